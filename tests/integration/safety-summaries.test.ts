/**
 * The safety figures' per-patient summaries (patient_safety_summary, patient_stress_flare) are kept
 * by statement triggers (migration 0033), and so are the evidence report's score values
 * (score_values, migration 0035): after writes through the app, through plain SQL and in bulk, they
 * must equal a recomputation from the base tables written apart from the triggers' function (a
 * visit's next visit by a subquery, not a window function). Both drivers.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { executeRows, type Db } from '../../src/lib/server/db';
import { bulkInsert } from '../../src/lib/server/db/bulk';
import { flareEpisodes, responseScores, responses, visits } from '../../src/lib/server/db/schema';
import { createPatient } from '../../src/lib/server/patients';
import { patientVisits, recordVisit, saveResponse, updateVisit } from '../../src/lib/server/visits';
import { getFlare, recordFlare, safetyFigures, updateFlare } from '../../src/lib/server/safety';
import { STRESS_INSTRUMENTS } from '../../src/lib/safety/stress-flare';
import { EARLY_DAYS } from '../../src/lib/safety/rates';
import { MONTH_DAYS, onsetMonth } from '../../src/lib/safety/flare-trend';
import { driverName, resetDatabase, testDatabase } from './db';
import { makeUser } from './helpers';

let db: Db;
let actor: { id: string };

/** PSS-10 answers with the given total (as in stress-flare.test.ts). */
function pss(total: number) {
	const answers: Record<string, number> = {};
	let left = total;
	for (const k of ['1', '2', '3', '6', '9', '10']) left -= answers[k] = Math.min(4, left);
	for (const k of ['4', '5', '7', '8']) {
		const c = Math.min(4, left);
		answers[k] = 4 - c;
		left -= c;
	}
	return { instrumentId: 'pss10', answers };
}
const gad = (each: number) => ({ instrumentId: 'gad7', answers: Object.fromEntries(['1', '2', '3', '4', '5', '6', '7'].map((k) => [k, each])) });

let refs = 0;
async function newPatient(conditionCode = 'rheumatoid_arthritis'): Promise<string> {
	const p = await createPatient(db, actor, { clinicRef: `SUM-${++refs}`, name: 'Summary', dateOfBirth: '1970-01-01', sex: 'female', conditionCode, enrolledOn: '2025-01-01' });
	if (!p.ok) throw new Error(p.message);
	return p.value;
}
async function visit(patientId: string, visitDate: string, inputs: { instrumentId: string; answers: Record<string, number> }[], sessions = 1) {
	const v = await recordVisit(db, actor, patientId, { visitDate, kind: 'treatment', acupunctureSessions: sessions, aeAnswer: 'none', note: null }, inputs);
	if (!v.ok) throw new Error(v.message);
	return v.value;
}
async function flare(patientId: string, onsetOn: string) {
	const f = await recordFlare(db, actor, patientId, { onsetOn, endedOn: null, severity: 'moderate', triggers: ['stress'], treatmentChanged: false, note: null });
	if (!f.ok) throw new Error(f.message);
	return f.value;
}

const stored = async () => ({
	summary: await executeRows(
		db,
		sql`select patient_id::text, condition_code, visits, sessions, asked, baseline::text, last_visit::text, early_flares, later_flares from patient_safety_summary order by 1`
	),
	months: await executeRows(db, sql`select patient_id::text, condition_code, month, onsets from patient_flare_months order by 1, 3`),
	stress: await executeRows(
		db,
		sql`select patient_id::text, condition_code, instrument_id, flared_visits, flared_sum::float8, other_visits, other_sum::float8 from patient_stress_flare order by 1, 3`
	),
	values: await executeRows(db, sql`select patient_id::text, instrument_id, scale, visit_date::text, value from score_values order by 1, 2, 3, 4`)
});

/** The same rows from the base tables, by another route than the triggers' function. */
const recomputed = async () => {
	const summary = await executeRows(
		db,
		sql`select v.patient_id::text, p.condition_code, count(*)::int as visits, sum(v.acupuncture_sessions)::int as sessions,
				(count(*) filter (where v.ae_answer <> 'not_asked'))::int as asked, min(v.visit_date)::text as baseline, max(v.visit_date)::text as last_visit,
				(select count(*) from flare_episodes f where f.patient_id = v.patient_id and not f.voided and f.onset_on between min(v.visit_date) and max(v.visit_date) and f.onset_on - min(v.visit_date) < ${EARLY_DAYS}::int)::int as early_flares,
				(select count(*) from flare_episodes f where f.patient_id = v.patient_id and not f.voided and f.onset_on between min(v.visit_date) and max(v.visit_date) and f.onset_on - min(v.visit_date) >= ${EARLY_DAYS}::int)::int as later_flares
			from visits v join patients p on p.id = v.patient_id where not v.voided group by v.patient_id, p.condition_code order by 1`
	);
	// Onsets by month: each live flare's day from the baseline, placed by onsetMonth (JavaScript).
	const onsets = await executeRows(
		db,
		sql`select f.patient_id::text, f.onset_on - s.first_day as day, s.last_day - s.first_day as days
			from flare_episodes f
			join (select patient_id, min(visit_date) as first_day, max(visit_date) as last_day from visits where not voided group by patient_id) s on s.patient_id = f.patient_id
			where not f.voided`
	);
	const months = new Map<string, { patient_id: string; condition_code: string; month: number; onsets: number }>();
	for (const o of onsets) {
		const month = onsetMonth(Number(o.day), Number(o.days));
		if (month === null) continue;
		const patient = String(o.patient_id);
		const key = `${patient}|${String(month).padStart(4, '0')}`;
		const condition = String(summary.find((r) => r.patient_id === patient)!.condition_code);
		(months.get(key) ?? months.set(key, { patient_id: patient, condition_code: condition, month, onsets: 0 }).get(key)!).onsets++;
	}
	return {
		summary,
		months: [...months.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, r]) => r),
	stress: await executeRows(
		db,
		sql`with scored as (
				select v.patient_id, r.instrument_id, rs.value as score, exists (
					select 1 from flare_episodes f
					where f.patient_id = v.patient_id and not f.voided and f.onset_on > v.visit_date
						and f.onset_on <= (select min(w.visit_date) from visits w where w.patient_id = v.patient_id and not w.voided and w.visit_date > v.visit_date)
				) as flared
				from visits v
				join responses r on r.visit_id = v.id and r.instrument_id in ('pss10', 'gad7')
				join response_scores rs on rs.response_id = r.id and rs.scale = 'total' and rs.value is not null
				where not v.voided and exists (select 1 from visits w where w.patient_id = v.patient_id and not w.voided and w.visit_date > v.visit_date)
			)
			select s.patient_id::text, p.condition_code, instrument_id, (count(*) filter (where flared))::int as flared_visits, coalesce(sum(score) filter (where flared), 0)::float8 as flared_sum,
				(count(*) filter (where not flared))::int as other_visits, coalesce(sum(score) filter (where not flared), 0)::float8 as other_sum
			from scored s join patients p on p.id = s.patient_id group by s.patient_id, p.condition_code, instrument_id order by 1, 3`
		),
		// Every non-null score of a live visit (a visit is live when no voided flag is set on it).
		values: await executeRows(
			db,
			sql`select (select v.patient_id from visits v where v.id = r.visit_id)::text as patient_id, rs.instrument_id, rs.scale,
					(select v.visit_date from visits v where v.id = r.visit_id)::text as visit_date, rs.value
				from response_scores rs join responses r on r.id = rs.response_id
				where rs.value is not null and exists (select 1 from visits v where v.id = r.visit_id and v.voided is not true)
				order by 1, 2, 3, 4`
		)
	};
};

async function expectExact() {
	const [got, want] = [await stored(), await recomputed()];
	expect(got).toEqual(want);
	return got;
}

beforeAll(async () => {
	db = (await testDatabase()).db;
});
beforeEach(async () => {
	await resetDatabase(db);
	actor = await makeUser(db, 'clinician');
});
afterAll(() => resetDatabase(db));

describe(`safety summaries kept by the database (${driverName})`, () => {
	it('follow writes through the app, plain SQL and bulk inserts, and the figures read them', async () => {
		// The migration's functions write these three in SQL.
		expect([STRESS_INSTRUMENTS, EARLY_DAYS, MONTH_DAYS]).toEqual([['pss10', 'gad7'], 84, 30.4375]);

		// Through the app: visits with PSS-10 and GAD-7, a flare.
		const a = await newPatient();
		await visit(a, '2025-02-01', [pss(20), gad(1)], 2);
		const a2 = await visit(a, '2025-03-01', [pss(10)]);
		await visit(a, '2025-04-01', [pss(15), gad(2)]);
		await visit(a, '2025-05-01', [pss(30)]);
		await flare(a, '2025-02-10');
		let got = await expectExact();
		expect(got.summary).toEqual([
			{ patient_id: a, condition_code: 'rheumatoid_arthritis', visits: 4, sessions: 5, asked: 4, baseline: '2025-02-01', last_visit: '2025-05-01', early_flares: 1, later_flares: 0 }
		]);
		expect(got.months).toEqual([{ patient_id: a, condition_code: 'rheumatoid_arthritis', month: 0, onsets: 1 }]);
		expect(got.stress).toEqual([
			{ patient_id: a, condition_code: 'rheumatoid_arthritis', instrument_id: 'gad7', flared_visits: 1, flared_sum: 7, other_visits: 1, other_sum: 14 },
			{ patient_id: a, condition_code: 'rheumatoid_arthritis', instrument_id: 'pss10', flared_visits: 1, flared_sum: 20, other_visits: 2, other_sum: 25 }
		]);

		// An answer edited through the app changes the score.
		const [v1] = await patientVisits(db, a);
		const r1 = v1!.responses.find((r) => r.instrumentId === 'pss10')!;
		const edited = await saveResponse(db, actor, v1!.id, pss(24), { expectedVersion: r1.version, reason: 'typo' });
		expect(edited.ok).toBe(true);
		got = await expectExact();
		expect(got.stress.find((r) => r.instrument_id === 'pss10')).toMatchObject({ flared_sum: 24 });

		// Voiding a visit through the app: the flare of 02-10 now runs to 04-01.
		expect((await updateVisit(db, actor, a2, 1, { voided: true, voidReason: 'entered twice' }, 'entered twice')).ok).toBe(true);
		got = await expectExact();
		expect(got.summary[0]).toMatchObject({ visits: 3, sessions: 4 });

		// Plain SQL: a visit's date moved past the last one, a score changed, a flare voided, a visit restored.
		await db.execute(sql`update visits set visit_date = '2025-06-01' where patient_id = ${a}::uuid and visit_date = '2025-04-01'`);
		got = await expectExact();
		expect(got.summary[0]).toMatchObject({ last_visit: '2025-06-01' });
		await flare(a, '2025-05-20'); // day 108: after day 84, month 3
		got = await expectExact();
		expect(got.summary[0]).toMatchObject({ early_flares: 1, later_flares: 1 });
		expect(got.months.map((r) => r.month)).toEqual([0, 3]);
		await db.execute(sql`update response_scores set value = 3 where scale = 'total' and instrument_id = 'pss10' and response_id in (select r.id from responses r join visits v on v.id = r.visit_id where v.patient_id = ${a}::uuid and v.visit_date = '2025-05-01')`);
		await expectExact();
		// A score deleted (the report's values follow; the summaries' stress total too).
		await db.execute(sql`delete from response_scores where scale = 'total' and instrument_id = 'gad7' and response_id in (select r.id from responses r join visits v on v.id = r.visit_id where v.patient_id = ${a}::uuid and v.visit_date = '2025-02-01')`);
		got = await expectExact();
		expect(got.values.filter((r) => r.instrument_id === 'gad7' && r.scale === 'total').map((r) => r.visit_date)).toEqual(['2025-06-01']);
		await db.execute(sql`update flare_episodes set voided = true, void_reason = 'wrong patient' where patient_id = ${a}::uuid`); // both of them, in one statement
		got = await expectExact();
		expect(got.stress.every((r) => r.flared_visits === 0)).toBe(true);
		await db.execute(sql`update visits set voided = false, void_reason = null where id = ${a2}::uuid`);
		await expectExact();
		// The patient's condition is copied into the summaries: a change of it follows.
		await db.execute(sql`update patients set condition_code = 'crohns' where id = ${a}::uuid`);
		got = await expectExact();
		expect(new Set([...got.summary, ...got.months, ...got.stress].map((r) => r.condition_code))).toEqual(new Set(['crohns']));

		// A flare voided through the app.
		const b = await newPatient('sle');
		await visit(b, '2025-02-01', [pss(12)]);
		await visit(b, '2025-03-01', [pss(18)]);
		await visit(b, '2025-04-01', []);
		const f2 = await flare(b, '2025-03-15');
		expect((await expectExact()).stress.find((r) => r.patient_id === b)).toMatchObject({ flared_visits: 1, flared_sum: 18, other_visits: 1, other_sum: 12 });
		const fl = await getFlare(db, f2);
		expect((await updateFlare(db, actor, f2, fl!.version, { voided: true, voidReason: 'not a flare' }, 'not a flare')).ok).toBe(true);
		expect((await expectExact()).stress.find((r) => r.patient_id === b)).toMatchObject({ flared_visits: 0, other_visits: 2, other_sum: 30 });

		// A bulk insert of several patients' rows, statement by statement, as the seed writes them.
		const c = await newPatient();
		const d = await newPatient('sle');
		const rows = [c, d].flatMap((patientId, i) =>
			['2025-02-01', '2025-03-01', '2025-04-01'].map((visitDate, j) => ({ id: randomUUID(), patientId, visitDate, kind: 'treatment' as const, acupunctureSessions: 1 + i, aeAnswer: j ? ('yes' as const) : ('not_asked' as const) }))
		);
		const rRows = rows.map((v) => ({ id: randomUUID(), visitId: v.id, instrumentId: 'pss10', instrumentVersion: '1', scoringVersion: '1', answers: {} }));
		await db.transaction(async (tx) => {
			await bulkInsert(tx, visits, rows);
			await bulkInsert(tx, responses, rRows);
			await bulkInsert(tx, responseScores, rRows.map((r, k) => ({ responseId: r.id, instrumentId: 'pss10', scale: 'total', value: 10 + k })));
			await bulkInsert(tx, flareEpisodes, [c, d].map((patientId) => ({ patientId, onsetOn: '2025-02-15', severity: 'mild' as const, treatmentChanged: false })));
		});
		got = await expectExact();
		expect(got.summary.find((r) => r.patient_id === d)).toMatchObject({ visits: 3, sessions: 6, asked: 2 });

		// A rolled-back write leaves the summaries as they were.
		await expect(
			db.transaction(async (tx) => {
				await tx.execute(sql`update visits set voided = true, void_reason = 'x' where patient_id = ${c}::uuid`);
				throw new Error('rollback');
			})
		).rejects.toThrow('rollback');
		expect(await stored()).toEqual(got);

		// The figures count what the summaries hold: 4 patients with live visits.
		const figures = await safetyFigures(db, { conditions: [] }, 1);
		expect(JSON.stringify(figures)).toContain('"patients":4');
	});

	it('stay exact when transactions write visits of one patient at the same time', async () => {
		const a = await newPatient();
		await visit(a, '2025-02-01', [pss(5)]);
		// Eight plain-SQL inserts at once (on PostgreSQL, eight connections; PGlite runs them in turn).
		await Promise.all(
			Array.from({ length: 8 }, (_, i) =>
				db.execute(sql`insert into visits (patient_id, visit_date, kind, acupuncture_sessions, ae_answer) values (${a}::uuid, ${`2025-03-0${i + 1}`}::date, 'treatment', 1, 'none')`)
			)
		);
		const got = await expectExact();
		expect(got.summary).toEqual([
			{ patient_id: a, condition_code: 'rheumatoid_arthritis', visits: 9, sessions: 9, asked: 9, baseline: '2025-02-01', last_visit: '2025-03-08', early_flares: 0, later_flares: 0 }
		]);
	});
});
