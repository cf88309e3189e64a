/**
 * Two clinicians open the same visit and save different changes at the same moment, each through
 * their own app process: exactly one save wins, the other is told and shown the winner's version,
 * nothing is lost or half-applied. Rounds on the visit's own fields and on a questionnaire.
 */
import postgres from 'postgres';
import { tally, type Report, type Scenario } from './harness';
import { connectionsTo, dropDatabase, freshDatabase } from './pg';
import { startServer, type Server } from './server';
import { getPage, postForm, request, type Answer } from './http';
import { fixtures } from './fixtures';
import { recordVisit } from '../../src/lib/server/visits';
import { scoreResponse } from '../../src/lib/instruments';
import { nthVisitDate } from './visits';

const DB = 'outcome_tracker_rel_conflicts';
const ROUNDS = 25;
const fss = (v: number) => Object.fromEntries(Array.from({ length: 9 }, (_, i) => [String(i + 1), v]));

/** The version the visit form on the page carries (what a browser would send back). */
function formVersion(html: string, action: string): number | null {
	for (const form of html.match(/<form\b[\s\S]*?<\/form>/g) ?? []) {
		if (!form.includes(`action="?/${action}"`)) continue;
		const v = /name="version" value="(\d+)"/.exec(form);
		if (v) return Number(v[1]);
	}
	return null;
}

/** A response's version as the page's data carries it (its edit form is drawn in the browser). */
function responseVersion(html: string, instrumentId: string): number | null {
	const v = new RegExp(`instrumentId:"${instrumentId}",version:(\\d+)`).exec(html);
	return v ? Number(v[1]) : null;
}

/**
 * A form action submitted as `use:enhance` does: the answer is JSON ({ type, status, data }),
 * `data` serialised by devalue (a JSON array of values); the conflict is the JSON string in it
 * that holds the other version.
 */
async function enhancedSave(base: string, pathname: string, form: URLSearchParams, cookie: string) {
	const a = await request(`${base}${pathname}`, {
		method: 'POST',
		headers: { origin: base, accept: 'application/json', 'x-sveltekit-action': 'true', 'content-type': 'application/x-www-form-urlencoded', cookie },
		body: form.toString()
	});
	let type = 'none';
	let status = a.status;
	let conflict: Record<string, unknown> | null = null;
	try {
		const result = JSON.parse(a.body) as { type: string; status?: number; data?: string };
		type = result.type;
		status = result.status ?? a.status;
		for (const value of result.data ? (JSON.parse(result.data) as unknown[]) : []) {
			if (typeof value !== 'string' || !value.startsWith('{')) continue;
			const parsed = JSON.parse(value) as Record<string, unknown>;
			if ('version' in parsed) conflict = parsed;
		}
	} catch {
		/* not an action answer: counted by its status */
	}
	return { type, status, conflict };
}

interface Round {
	statuses: number[];
	oneWinner: boolean;
	loserShownWinner: boolean;
	stored: boolean;
	loserRetried?: boolean;
}

export const conflicts: Scenario = {
	name: 'conflicts',
	title: 'Two clinicians editing the same visit at once',
	async run(report: Report) {
		const url = await freshDatabase(DB);
		const fx = await fixtures(url);
		const servers: Server[] = [];
		const sql = postgres(url, { max: 2, onnotice: () => {} });
		try {
			const ann = await fx.user('clinician', 'ann');
			const bob = await fx.user('clinician', 'bob');
			const [patient] = await fx.patients(ann.id, 1, 'conflict');
			const visitIds: string[] = [];
			for (let i = 0; i < ROUNDS; i++) {
				const r = await recordVisit(fx.database.db, { id: ann.id }, patient!, { visitDate: nthVisitDate(i), kind: 'treatment', acupunctureSessions: 1, flare: 'no', note: `start ${i}` }, [{ instrumentId: 'fss9', answers: fss(4) }]);
				if (!r.ok) throw new Error(r.message);
				visitIds.push(r.value);
			}
			const clinicians = [
				{ name: 'ann', cookie: await fx.cookie(ann.id) },
				{ name: 'bob', cookie: await fx.cookie(bob.id) }
			];
			servers.push(await startServer('conflicts-A', { DATABASE_URL: url }), await startServer('conflicts-B', { DATABASE_URL: url }));
			const page = (i: 0 | 1, visitId: string) => `/patients/${patient}/visits/${visitId}`;

			// ---- the visit's own fields --------------------------------------------------------
			const visitRounds: Round[] = [];
			for (const [k, visitId] of visitIds.entries()) {
				const visitDate = nthVisitDate(k);
				const opened = await Promise.all(([0, 1] as const).map((i) => getPage(servers[i]!.base, page(i, visitId), clinicians[i]!.cookie)));
				const versions = opened.map((p) => formVersion(p.body, 'update'));
				const notes = clinicians.map((c) => `${c.name} edited ${visitId.slice(0, 8)}`);
				const saves: Answer[] = await Promise.all(
					([0, 1] as const).map((i) =>
						postForm(
							servers[i]!.base,
							`${page(i, visitId)}?/update`,
							new URLSearchParams({ visitDate, kind: 'treatment', acupunctureSessions: '1', flare: 'no', note: notes[i]!, reason: 'correction', version: String(versions[i]) }),
							clinicians[i]!.cookie
						)
					)
				);
				const winner = saves.findIndex((s) => s.status === 303);
				const loser = 1 - winner;
				const [row] = await sql`select note, version, (select count(*)::int from audit_log where entity = 'visit' and entity_id = ${visitId} and action = 'update') as updates from visits where id = ${visitId}`;
				const round: Round = {
					statuses: saves.map((s) => s.status),
					oneWinner: winner >= 0 && saves[loser]?.status === 409,
					loserShownWinner: winner >= 0 && /Saved meanwhile by someone else/.test(saves[loser]!.body) && saves[loser]!.body.includes(notes[winner]!),
					stored: winner >= 0 && row!.note === notes[winner] && row!.version === 2 && row!.updates === 1
				};
				// The loser reloads and saves again: now on top of the winner's version.
				if (round.oneWinner) {
					const again = await getPage(servers[loser]!.base, page(loser as 0 | 1, visitId), clinicians[loser]!.cookie);
					const retry = await postForm(
						servers[loser]!.base,
						`${page(loser as 0 | 1, visitId)}?/update`,
						new URLSearchParams({ visitDate, kind: 'treatment', acupunctureSessions: '1', flare: 'no', note: `${notes[loser]} (again)`, reason: 'correction', version: String(formVersion(again.body, 'update')) }),
						clinicians[loser]!.cookie
					);
					const [after] = await sql`select note, version from visits where id = ${visitId}`;
					round.loserRetried = retry.status === 303 && after!.version === 3 && after!.note === `${notes[loser]} (again)`;
				}
				visitRounds.push(round);
			}

			// ---- a questionnaire's answers -------------------------------------------------------
			const responseRounds: Round[] = [];
			const values = [2, 6];
			for (const visitId of visitIds) {
				const opened = await Promise.all(([0, 1] as const).map((i) => getPage(servers[i]!.base, page(i, visitId), clinicians[i]!.cookie)));
				const versions = opened.map((p) => responseVersion(p.body, 'fss9'));
				// Saved as the browser does with JavaScript (the answers' editor is drawn there).
				const saves = await Promise.all(
					([0, 1] as const).map((i) => {
						const form = new URLSearchParams({ instrumentId: 'fss9', version: String(versions[i]), reason: 'transcription error' });
						for (const [k, v] of Object.entries(fss(values[i]!))) form.append(`i:fss9:${k}`, String(v));
						return enhancedSave(servers[i]!.base, `${page(i, visitId)}?/response`, form, clinicians[i]!.cookie);
					})
				);
				const winner = saves.findIndex((s) => s.type === 'redirect' && s.status === 303);
				const loser = 1 - winner;
				const [row] = await sql`select r.id, r.version, r.answers, (select json_object_agg(scale, value) from response_scores s where s.response_id = r.id) as scores,
					(select count(*)::int from audit_log a where a.entity = 'response' and a.entity_id = r.id::text and a.action = 'update') as updates
					from responses r where r.visit_id = ${visitId} and r.instrument_id = 'fss9'`;
				const expected = winner >= 0 ? scoreResponse('fss9', fss(values[winner]!)) : null;
				const answers = row!.answers as Record<string, number>;
				const shown = winner >= 0 ? (saves[loser]!.conflict as { version?: number; answers?: Record<string, number> } | null) : null;
				responseRounds.push({
					statuses: saves.map((s) => s.status),
					oneWinner: winner >= 0 && saves[loser]?.type === 'failure' && saves[loser]?.status === 409,
					loserShownWinner: shown?.version === 2 && Object.values(shown.answers ?? {}).every((v) => v === values[winner]),
					stored:
						winner >= 0 &&
						row!.version === 2 &&
						row!.updates === 1 &&
						Object.values(answers).every((v) => v === values[winner]) &&
						expected !== null &&
						expected.ok &&
						Object.entries(expected.scores).every(([scale, v]) => Math.abs(Number((row!.scores as Record<string, number>)[scale]) - Number(v)) < 1e-9)
				});
			}

			const summary = (rounds: Round[]) => JSON.stringify(tally(rounds, (r) => [...r.statuses].sort().join('+')));
			report.counts = {
				rounds: ROUNDS * 2,
				requests: ROUNDS * 2 * 4 + visitRounds.filter((r) => r.loserRetried !== undefined).length * 2,
				visitOutcomes: summary(visitRounds),
				responseOutcomes: summary(responseRounds),
				lostUpdates: [...visitRounds, ...responseRounds].filter((r) => !r.stored).length
			};
			for (const [what, rounds] of [
				['visit fields', visitRounds],
				['questionnaire answers', responseRounds]
			] as const) {
				report.check(`${what}: in every round exactly one save wins (303) and the other gets 409`, rounds.every((r) => r.oneWinner), `${rounds.filter((r) => r.oneWinner).length}/${rounds.length} rounds; outcomes ${summary(rounds)}`);
				report.check(`${what}: the loser is shown the winner's version (${what === 'visit fields' ? 'page without JavaScript' : 'use:enhance answer'})`, rounds.every((r) => r.loserShownWinner), `${rounds.filter((r) => r.loserShownWinner).length}/${rounds.length}`);
				report.check(
					`${what}: the stored record is the winner's, version 2, one audit row (no lost or mixed update)`,
					rounds.every((r) => r.stored),
					`${rounds.filter((r) => r.stored).length}/${rounds.length}`
				);
			}
			report.check('the loser can reload and save on top of the winner', visitRounds.every((r) => r.loserRetried === true), `${visitRounds.filter((r) => r.loserRetried).length}/${visitRounds.length}`);
		} finally {
			await sql.end();
			for (const s of servers) {
				const stopped = await s.stop();
				if (stopped.code !== 0 || stopped.killed) report.check(`server ${s.name} stopped cleanly`, false, `exit ${stopped.code ?? stopped.signal}`);
			}
			await fx.database.close();
		}
		const left = await connectionsTo(DB);
		report.check('servers stopped, no connections left on the scenario database', left === 0, `${left} open`);
		if (report.checks.every((c) => c.ok)) await dropDatabase(DB);
	}
};
