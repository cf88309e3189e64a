/**
 * The seed generator (scripts/seed-cohort.ts) on both drivers: a small cohort goes in under every
 * database rule, its safety rows keep the rules the database cannot see (an event after its own
 * visit, the next visit's answer "yes"), its rates fall where docs/performance.md ("Seed") says
 * they should, and the app's safety figures equal the plain-SQL ones the benchmark uses.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { executeRows, type Database } from '../../src/lib/server/db';
import { safetyFigures } from '../../src/lib/server/safety';
import { seedCohort, type SeedCounts } from '../../scripts/seed-cohort';
import { plainSafetyFigures } from '../../scripts/safety-plain-sql';
import { sameNumbers } from '../../scripts/same-numbers';
import { driverName, resetDatabase, testDatabase } from './db';

let database: Database;
let counts: SeedCounts;
const PATIENTS = 300;

beforeAll(async () => {
	database = await testDatabase();
	await resetDatabase(database.db);
	counts = await seedCohort(database, { patients: PATIENTS, seed: 7, sites: 2 });
}, 300_000);
afterAll(() => resetDatabase(database.db));

const one = async (query: ReturnType<typeof sql>) => (await executeRows(database.db, query))[0]!;

describe(`the seed's safety and stress data (${driverName})`, () => {
	it('stores every patient with adverse events, flare episodes and PSS-10 / GAD-7 totals in range', async () => {
		const r = await one(sql`select (select count(*) from patients)::int as patients, (select count(*) from adverse_events)::int as events,
			(select count(*) from flare_episodes)::int as flares,
			(select count(*) from response_scores where instrument_id = 'pss10' and scale = 'total' and value between 0 and 40)::int as pss,
			(select count(*) from response_scores where instrument_id = 'gad7' and scale = 'total' and value between 0 and 21)::int as gad,
			(select avg(value) from response_scores where instrument_id = 'pss10' and scale = 'total')::float8 as pss_mean`);
		expect(r).toMatchObject({ patients: PATIENTS, events: counts.adverseEvents, flares: counts.flareEpisodes });
		expect(counts.adverseEvents).toBeGreaterThan(0);
		expect(Number(r.pss)).toBeGreaterThan(PATIENTS);
		expect(Number(r.gad)).toBeGreaterThan(PATIENTS / 2);
		expect(Number(r.pss_mean)).toBeGreaterThan(12);
		expect(Number(r.pss_mean)).toBeLessThan(22);
	});

	it('dates each event on or after its own live treatment visit, before the next, never after today', async () => {
		const bad = await one(sql`select count(*)::int as n from adverse_events e
			join visits v on v.id = e.visit_id
			join patients p on p.id = e.patient_id
			where v.patient_id <> e.patient_id or v.voided or v.acupuncture_sessions = 0
				or e.onset_on < v.visit_date or e.onset_on < p.enrolled_on or e.onset_on > current_date
				or e.resolved_on > current_date or e.resolved_on < e.onset_on
				or e.onset_on >= (select min(w.visit_date) from visits w where w.patient_id = v.patient_id and w.visit_date > v.visit_date)`);
		expect(bad.n).toBe(0);
		expect((await one(sql`select count(*)::int as n from adverse_events where visit_id is null`)).n).toBe(0);
		const flares = await one(sql`select count(*)::int as n from flare_episodes f join patients p on p.id = f.patient_id
			where f.onset_on <= p.enrolled_on or f.onset_on > current_date or f.ended_on < f.onset_on or f.ended_on > current_date`);
		expect(flares.n).toBe(0);
	});

	it('answers "yes" at the visit after one with an event, and asks at about 92 % of visits', async () => {
		const r = await one(sql`with v as (
				select v.*, lag(v.id) over (partition by v.patient_id order by v.visit_date) as previous from visits v
			)
			select count(*) filter (where v.ae_answer = 'yes' and not exists (select 1 from adverse_events e where e.visit_id = v.previous))::int as yes_without,
				count(*) filter (where v.ae_answer <> 'yes' and exists (select 1 from adverse_events e where e.visit_id = v.previous))::int as event_without_yes,
				(count(*) filter (where v.ae_answer <> 'not_asked'))::float8 / count(*) as asked_rate
			from v`);
		expect(r.yes_without).toBe(0);
		expect(r.event_without_yes).toBe(0);
		expect(Number(r.asked_rate)).toBeGreaterThan(0.87);
		expect(Number(r.asked_rate)).toBeLessThan(0.97);
	});

	it('has event rates near the sources the seed follows (8.6 % of patients, 0.4 per 100 sessions), serious ones as rare as 0.05 per 10,000', async () => {
		const f = await safetyFigures(database.db, { conditions: [] }, 5);
		if ('suppressed' in f.overall) throw new Error('withheld');
		// 300 patients: 8.6 % ± 1.6 % (one SE), 0.4 ± 0.08 per 100 sessions; the bounds are about 3 SE.
		expect(f.overall.share!).toBeGreaterThan(0.035);
		expect(f.overall.share!).toBeLessThan(0.14);
		expect(f.overall.per_100_sessions!).toBeGreaterThan(0.18);
		expect(f.overall.per_100_sessions!).toBeLessThan(0.65);
		expect(f.overall.serious_events).toBeLessThanOrEqual(1);
		const serious = await one(sql`select count(*)::int as n from adverse_events where serious <> (cardinality(serious_criteria) > 0)`);
		expect(serious.n).toBe(0);
		// Flares: about 1.4–2 per patient-year by construction.
		const flares = f.flares.filter((g) => !('suppressed' in g)) as { early_per_patient_year: number | null; later_per_patient_year: number | null }[];
		const later = flares.map((g) => g.later_per_patient_year ?? 0);
		expect(Math.max(...later)).toBeLessThan(4);
		expect(Math.min(...later)).toBeGreaterThan(0.3);
		// Stress raises the hazard: visits followed by a flare have the higher PSS-10 on average (the
		// three largest conditions: in a cohort this small a rare one contributes fewer than k).
		const stress = (await safetyFigures(database.db, { conditions: ['rheumatoid_arthritis', 'multiple_sclerosis', 'sle'] }, 5)).stress_flare;
		expect(stress).toMatchObject({ instrument: 'pss10' });
		if (!('suppressed' in stress)) expect(stress.mean_difference).toBeGreaterThan(0);
	});

	it('gives the app the same safety figures as the plain SQL of the benchmark', async () => {
		for (const conditions of [[], ['rheumatoid_arthritis', 'sle'], ['sjogren']]) {
			const app = await safetyFigures(database.db, { conditions }, 5);
			const plain = await plainSafetyFigures(database.db, conditions, 5);
			expect(sameNumbers(app, plain), JSON.stringify({ conditions, app, plain })).toBe(true);
		}
	});
});
