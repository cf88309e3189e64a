/**
 * autocannon: 16 connections save visits (three instruments each) through the real form action
 * for 30 s against PostgreSQL. Zero errors, and the database holds exactly what was acknowledged:
 * one visit, three responses, their scores and four audit rows per 303.
 */
import autocannon from 'autocannon';
import { sql } from 'drizzle-orm';
import { executeRows } from '../../src/lib/server/db';
import { round, sleep, type Report, type Scenario } from './harness';
import { connectionsTo, dropDatabase, freshDatabase } from './pg';
import { startServer, type Server } from './server';
import { fixtures } from './fixtures';
import { integrity, isWhole, nextVisitDate, PER_SAVE, storedSaves, visitForm } from './visits';

const DB = 'outcome_tracker_rel_load';
const CONNECTIONS = Number(process.env.RELIABILITY_LOAD_CONNECTIONS ?? 16);
const SECONDS = Number(process.env.RELIABILITY_LOAD_SECONDS ?? 30);

export const load: Scenario = {
	name: 'load',
	title: `Signed-in visit entry at concurrency ${CONNECTIONS} for ${SECONDS} s`,
	async run(report: Report) {
		const url = await freshDatabase(DB);
		const fx = await fixtures(url);
		let server: Server | null = null;
		try {
			const clinician = await fx.user('clinician', 'load');
			const cookie = await fx.cookie(clinician.id);
			const patients = await fx.patients(clinician.id, 200, 'load');
			const count = async () =>
				(
					await executeRows(
						fx.database.db,
						sql`select (select count(*) from visits)::int as visits, (select count(*) from responses)::int as responses,
							(select count(*) from response_scores)::int as scores, (select count(*) from audit_log)::int as audit`
					)
				)[0] as { visits: number; responses: number; scores: number; audit: number };
			server = await startServer('load', { DATABASE_URL: url });
			const before = await count();
			let n = 0;
			// Each request carries its own note, so the database can be checked save by save.
			const answered = new Map<string, number>();
			const result = await autocannon({
				url: server.base,
				connections: CONNECTIONS,
				duration: SECONDS,
				headers: { cookie, origin: server.base, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
				requests: [
					{
						method: 'POST',
						// Each request for the next patient, as a clinic's clinicians would.
						setupRequest: (req: Record<string, unknown>, context: Record<string, unknown>) => {
							const i = n++;
							context.note = `load-${i}`;
							return { ...req, path: `/patients/${patients[i % patients.length]}/visits/new`, body: visitForm(`load-${i}`, nextVisitDate(patients[i % patients.length]!)).toString() };
						},
						onResponse: (status: number, _body: string, context: Record<string, unknown>) => {
							answered.set(String(context.note), status);
						}
					}
				]
			});
			// The server finishes what autocannon abandoned at the stop: count once nothing moves.
			let after = await count();
			for (let settled = 0; settled < 3; ) {
				await sleep(300);
				const again = await count();
				settled = again.visits === after.visits && again.audit === after.audit ? settled + 1 : 0;
				after = again;
			}
			const statuses = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([k, v]) => [k, (v as { count: number }).count]));
			const saved = statuses['303'] ?? 0;
			const other = Object.entries(statuses).filter(([k]) => k !== '303').reduce((s, [, v]) => s + v, 0);
			const stored = { visits: after.visits - before.visits, responses: after.responses - before.responses, scores: after.scores - before.scores, audit: after.audit - before.audit };
			const saves = await storedSaves(fx.database.db);
			const partial = [...saves.values()].filter((s) => !isWhole(s)).length;
			const acknowledged = [...answered].filter(([, status]) => status === 303).map(([note]) => note);
			const lost = acknowledged.filter((note) => !saves.has(note) || !isWhole(saves.get(note)!)).length;
			// autocannon stops at 30 s by dropping its connections: the requests then in flight were
			// sent (and saved by the server) but their answers never read.
			const cutOff = result.requests.sent - result.requests.total;
			const unacknowledged = [...saves.keys()].filter((note) => note.startsWith('load-') && !answered.has(note)).length;
			report.counts = {
				requests: result.requests.total,
				sent: result.requests.sent,
				saved,
				non303: other,
				errors: result.errors,
				timeouts: result.timeouts,
				savesPerSecond: round(saved / SECONDS),
				p50Ms: result.latency.p50,
				p99Ms: result.latency.p99,
				storedVisits: stored.visits,
				storedResponses: stored.responses,
				storedScores: stored.scores,
				auditRows: stored.audit,
				cutOffAtStop: cutOff,
				storedUnanswered: unacknowledged,
				partialVisits: partial,
				recordsLost: lost
			};
			report.check('zero errors: every request answered 303 (no timeouts, resets or other statuses)', result.errors === 0 && result.timeouts === 0 && other === 0 && saved > 0, `${saved} × 303, ${other} other (${JSON.stringify(statuses)}), ${result.errors} errors, ${result.timeouts} timeouts`);
			const expected = saved + unacknowledged;
			report.check(
				'stored responses = 3 × successful saves (visits, scores and audit rows in step); records lost = 0',
				lost === 0 &&
					unacknowledged <= cutOff &&
					stored.visits === expected &&
					stored.responses === PER_SAVE.responses * expected &&
					stored.scores === PER_SAVE.scores * expected &&
					stored.audit === PER_SAVE.auditRows * expected,
				`${saved} saves answered 303, every one stored whole (lost ${lost}); responses ${stored.responses} = ${PER_SAVE.responses} × (${saved} + ${unacknowledged} sent in the last instant, whose answers autocannon dropped unread when it stopped; ${cutOff} were in flight); visits ${stored.visits}, scores ${stored.scores}, audit rows ${stored.audit}`
			);
			report.check('no half-written visit', partial === 0 && saves.size === stored.visits, `${partial} of ${saves.size} visits incomplete`);
			const i = await integrity(fx.database.db);
			report.check('audit chain intact and cohort rollup equal to the raw tables', i.chainIntact && i.rollupAgrees, `${i.auditRows} audit rows`);
		} finally {
			const stopped = await server?.stop();
			await fx.database.close();
			if (stopped) report.check('server stopped cleanly afterwards', stopped.code === 0 && !stopped.killed, `exit ${stopped.code ?? stopped.signal} in ${stopped.ms} ms`);
		}
		const left = await connectionsTo(DB);
		report.check('no connections left on the scenario database', left === 0, `${left} open`);
		if (report.checks.every((c) => c.ok)) await dropDatabase(DB);
	}
};
