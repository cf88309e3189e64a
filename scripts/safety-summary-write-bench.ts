/**
 * What the safety summaries' triggers (migration 0033) add to a visit save: recordVisit (visit,
 * FSS-9, pain NRS, PSS-10, GAD-7, rollup, audit rows) on seeded patients of a benchmark copy, one
 * at a time, in alternating rounds with the four INSERT triggers of visits, response_scores and
 * flare_episodes disabled and enabled, so that the machine's load falls on both alike. Each save
 * goes to a patient not used before, dated today. At the end the triggers are enabled and the
 * patients written with them off are refreshed, and the summaries are checked against a
 * recomputation for every patient touched.
 *
 *   DATABASE_URL=postgres://…/copy npx tsx scripts/safety-summary-write-bench.ts --saves 200 --rounds 4
 *
 * `--which score_values`: the same for the report's score values (migration 0035) — the scores'
 * INSERT trigger off and on, then score_values checked for every patient touched.
 *
 * `--which report_panels`: the same for the panels kept for locked plans (migration 0039) — the
 * INSERT triggers of visits and score_values that refresh them off and on, then every kept row of
 * the patients touched checked against report_panel_compute. The copy needs a locked plan (a
 * benchmark run locks one).
 *
 * It writes visits: never point it at a database that matters.
 */
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { executeRows, openDatabase } from '../src/lib/server/db';
import { createUser } from '../src/lib/server/users';
import { recordVisit } from '../src/lib/server/visits';

const { values } = parseArgs({ options: { saves: { type: 'string', default: '200' }, rounds: { type: 'string', default: '4' }, which: { type: 'string', default: 'summaries' } } });
const VALUES = values.which === 'score_values';
const PANELS = values.which === 'report_panels';
const SAVES = Number(values.saves);
const ROUNDS = Number(values.rounds);
const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL (a PostgreSQL benchmark copy) is required');

const database = await openDatabase({ url, max: 2 });
const db = database.db;
const tag = Date.now().toString(36);
const user = await createUser(db, { id: null }, { email: `sumbench-${tag}@clinic.test`, name: 'Bench', role: 'clinician', password: 'a long enough passphrase' });
if (!user.ok) throw new Error(user.message);
const actor = { id: user.value, requestId: 'summary-bench' };

const TRIGGERS = PANELS
	? ([
			['visits', 'visits_zz_report_panels_insert'],
			['score_values', 'score_values_report_panels_insert']
		] as const)
	: VALUES
	? ([['response_scores', 'response_scores_score_values_insert']] as const)
	: ([
			['visits', 'visits_safety_summaries_insert'],
			['response_scores', 'response_scores_safety_summaries_insert'],
			['flare_episodes', 'flare_episodes_safety_summaries_insert']
		] as const);
async function triggers(on: boolean) {
	for (const [table, name] of TRIGGERS) await db.execute(sql.raw(`alter table ${table} ${on ? 'enable' : 'disable'} trigger ${name}`));
}

const today = String((await executeRows(db, sql`select current_date::text as d`))[0]!.d);
const pool = (
	await executeRows(
		db,
		sql`select p.id from patients p where not p.archived and p.enrolled_on <= current_date
			and not exists (select 1 from visits v where v.patient_id = p.id and v.visit_date = current_date and not v.voided)
			order by md5(p.id::text) limit ${(ROUNDS * 2 + 1) * SAVES}`
	)
).map((r) => String(r.id));
let next = 0;
const item = (n: number, v: number) => Object.fromEntries(Array.from({ length: n }, (_, k) => [String(k + 1), v]));

async function save(): Promise<number> {
	const patientId = pool[next++]!;
	const t = performance.now();
	const r = await recordVisit(db, actor, patientId, { visitDate: today, kind: 'treatment', acupunctureSessions: 1, aeAnswer: 'none', note: null }, [
		{ instrumentId: 'fss9', answers: item(9, 1 + (next % 7)) },
		{ instrumentId: 'pain_nrs', answers: { pain: next % 11 } },
		{ instrumentId: 'pss10', answers: item(10, next % 5) },
		{ instrumentId: 'gad7', answers: item(7, next % 4) }
	]);
	if (!r.ok) throw new Error(`${patientId}: ${r.message}`);
	return performance.now() - t;
}
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;

const off: string[] = [];
// Warm-up with the triggers on.
for (let i = 0; i < SAVES; i++) await save();
const times: Record<'off' | 'on', number[]> = { off: [], on: [] };
for (let round = 1; round <= ROUNDS; round++) {
	for (const mode of round % 2 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
		await triggers(mode === 'on');
		const from = next;
		const ms: number[] = [];
		for (let i = 0; i < SAVES; i++) ms.push(await save());
		if (mode === 'off') off.push(...pool.slice(from, next));
		times[mode].push(...ms);
		console.log(`round ${round}, triggers ${mode}: p50 ${quantile(ms, 0.5).toFixed(2)} ms, p90 ${quantile(ms, 0.9).toFixed(2)} ms`);
	}
}
await triggers(true);
const offIds = `{${off.join(',')}}`;
await db.execute(PANELS ? sql`select report_panel_refresh(${offIds}::uuid[])` : VALUES ? sql`select score_values_refresh(${offIds}::uuid[])` : sql`select safety_summaries_refresh(${offIds}::uuid[])`);
for (const mode of ['off', 'on'] as const) console.log(`all rounds, triggers ${mode}: p50 ${quantile(times[mode], 0.5).toFixed(2)} ms, p90 ${quantile(times[mode], 0.9).toFixed(2)} ms (${times[mode].length} saves)`);

// Every patient touched: the summary equals the recomputation.
const touched = `{${pool.slice(0, next).join(',')}}`;
const [check] = await executeRows(
	db,
	PANELS
		? sql`select count(*)::int as wrong from (
			(select * from report_panel_rows where patient_id = any(${touched}::uuid[])
			except all
			select * from report_panel_compute(null, ${touched}::uuid[]))
			union all
			(select * from report_panel_compute(null, ${touched}::uuid[])
			except all
			select * from report_panel_rows where patient_id = any(${touched}::uuid[]))
		) x`
		: VALUES
		? sql`select count(*)::int as wrong from (
			(select v.patient_id, rs.instrument_id, rs.scale, v.visit_date, rs.value from visits v join responses r on r.visit_id = v.id join response_scores rs on rs.response_id = r.id
			where not v.voided and rs.value is not null and v.patient_id = any(${touched}::uuid[])
			except all
			select patient_id, instrument_id, scale, visit_date, value from score_values where patient_id = any(${touched}::uuid[]))
			union all
			(select patient_id, instrument_id, scale, visit_date, value from score_values where patient_id = any(${touched}::uuid[])
			except all
			select v.patient_id, rs.instrument_id, rs.scale, v.visit_date, rs.value from visits v join responses r on r.visit_id = v.id join response_scores rs on rs.response_id = r.id
			where not v.voided and rs.value is not null and v.patient_id = any(${touched}::uuid[]))
		) x`
		: sql`select count(*)::int as wrong from (
			select v.patient_id, count(*)::int, sum(v.acupuncture_sessions)::int, (count(*) filter (where v.ae_answer <> 'not_asked'))::int, min(v.visit_date), max(v.visit_date)
			from visits v where not v.voided and v.patient_id = any(${touched}::uuid[]) group by v.patient_id
			except
			select patient_id, visits, sessions, asked, baseline, last_visit from patient_safety_summary where patient_id = any(${touched}::uuid[])
		) x`
);
const [kept] = await executeRows(db, sql`select count(*)::int as n from report_panels`);
if (PANELS && kept!.n === 0) console.log('no plan is kept in this database: the triggers had nothing to do');
console.log(`patients touched: ${next}; ${PANELS ? 'kept panel' : VALUES ? 'score_values' : 'summary'} rows differing from a recomputation: ${check!.wrong}`);
await database.close();
