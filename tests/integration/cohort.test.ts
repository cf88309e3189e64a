import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/lib/server/db';
import { createPatient } from '../../src/lib/server/patients';
import { recordVisit, voidVisit } from '../../src/lib/server/visits';
import { cohortTrend, type TrendQuery } from '../../src/lib/server/cohort';
import { driverName, resetDatabase, testDatabase } from './db';
import { makeUser } from './helpers';

// A hand-built cohort whose expected numbers are worked out by hand below (not by the code).
let db: Db;
const query: TrendQuery = { instrument: 'pain_nrs', scale: 'score', axis: 'visit', bucket: 2, measure: 'score', conditions: ['multiple_sclerosis', 'rheumatoid_arthritis'] };

beforeAll(async () => {
	db = (await testDatabase()).db;
	await resetDatabase(db);
	const actor = await makeUser(db, 'clinician');
	let n = 0;
	async function patient(condition: string, visits: [string, number | null, boolean?][]) {
		n++;
		const p = await createPatient(db, actor, {
			clinicRef: `C-${n}`, name: `P ${n}`, dateOfBirth: '1960-01-01', sex: 'female', conditionCode: condition, enrolledOn: '2025-01-01'
		});
		if (!p.ok) throw new Error(p.message);
		for (const [date, pain, voided] of visits) {
			const responses = pain === null
				? [{ instrumentId: 'who5', answers: { 1: 3, 2: 3, 3: 3, 4: 3, 5: 3 } }]
				: [{ instrumentId: 'pain_nrs', answers: { pain } }];
			const v = await recordVisit(db, actor, p.value, { visitDate: date, kind: 'treatment', acupunctureSessions: 1, flare: 'no', note: null }, responses);
			if (!v.ok) throw new Error(v.message);
			if (voided) await voidVisit(db, actor, v.value, 1, 'test');
		}
	}
	// Multiple sclerosis.
	await patient('multiple_sclerosis', [['2025-01-06', 8], ['2025-01-20', 6], ['2025-01-24', 7], ['2025-02-03', 5]]);
	await patient('multiple_sclerosis', [['2025-01-07', 6], ['2025-01-14', 1, true], ['2025-01-21', 6], ['2025-02-04', 5]]);
	// An earlier visit without the pain scale: the baseline is the first visit that has it.
	await patient('multiple_sclerosis', [['2025-01-03', null], ['2025-01-08', 7], ['2025-01-22', 4]]);
	await patient('multiple_sclerosis', [['2025-01-09', 5]]);
	// Rheumatoid arthritis: two patients only, below k = 3.
	await patient('rheumatoid_arthritis', [['2025-01-06', 4], ['2025-01-20', 2]]);
	await patient('rheumatoid_arthritis', [['2025-01-06', 5], ['2025-01-20', 5]]);
});
afterAll(() => resetDatabase(db));

describe(`cohort trend (${driverName})`, () => {
	it('numbers visits from each patient’s own baseline, leaves out voided visits, withholds n < k', async () => {
		const trend = await cohortTrend(db, query, 3);
		const ms = trend.series.find((s) => s.condition === 'multiple_sclerosis')!;
		// Visit 1: 8, 6, 7, 5 → mean 6.5; SD √(5/3); median 6.5; quartiles 5.75 and 7.25.
		// Visit 2: 6, 6, 4 → mean 16/3; SD √(4/3); median 6; quartiles 5 and 6.
		// Visits 3 and 4 have two and one patients: withheld.
		expect(ms.points.map((p) => [p.x, p.n])).toEqual([[1, 4], [2, 3]]);
		const [v1, v2] = ms.points as [typeof ms.points[0], typeof ms.points[0]];
		expect(v1.mean).toBeCloseTo(6.5, 10);
		expect(v1.sd).toBeCloseTo(Math.sqrt(5 / 3), 10);
		expect([v1.median, v1.q1, v1.q3]).toEqual([6.5, 5.75, 7.25]);
		// 95 % CI: 6.5 ± 3.182446 × 1.290994 / 2.
		expect(v1.ci_low).toBeCloseTo(6.5 - (3.182446 * Math.sqrt(5 / 3)) / 2, 4);
		expect(v1.ci_high).toBeCloseTo(6.5 + (3.182446 * Math.sqrt(5 / 3)) / 2, 4);
		expect(v2.mean).toBeCloseTo(16 / 3, 10);
		expect(v2.sd).toBeCloseTo(Math.sqrt(4 / 3), 10);
		expect([v2.median, v2.q1, v2.q3]).toEqual([6, 5, 6]);
		// Rheumatoid arthritis: every point below k.
		expect(trend.series.find((s) => s.condition === 'rheumatoid_arthritis')!.points).toEqual([]);
	});

	it('gives the change from baseline', async () => {
		const trend = await cohortTrend(db, { ...query, measure: 'change' }, 3);
		const ms = trend.series.find((s) => s.condition === 'multiple_sclerosis')!;
		// Visit 1: all 0. Visit 2: −2, 0, −3 → mean −5/3.
		expect(ms.points[0]).toMatchObject({ x: 1, n: 4, mean: 0, sd: 0, median: 0 });
		expect(ms.points[1]!.mean).toBeCloseTo(-5 / 3, 10);
	});

	it('buckets weeks since baseline and keeps the last value in a bucket', async () => {
		const trend = await cohortTrend(db, { ...query, axis: 'week', bucket: 2 }, 3);
		const ms = trend.series.find((s) => s.condition === 'multiple_sclerosis')!;
		// Week 0: 8, 6, 7, 5. Week 2: patient 1 has days 14 (6) and 18 (7) → 7; with 6 and 4 → 17/3.
		// Week 4: two patients → withheld.
		expect(ms.points.map((p) => [p.x, p.n])).toEqual([[0, 4], [2, 3]]);
		expect(ms.points[1]!.mean).toBeCloseTo(17 / 3, 10);
		const wide = await cohortTrend(db, { ...query, axis: 'week', bucket: 4 }, 3);
		// Four-week buckets: week 0 holds days 0–27: patient 1 → 7 (day 18), patient 2 → 6, patient 3 → 4, patient 4 → 5.
		expect(wide.series.find((s) => s.condition === 'multiple_sclerosis')!.points[0]).toMatchObject({ x: 0, n: 4, mean: 5.5 });
	});

	it('counts responders by the MCID in the scale’s direction, with a Wilson interval', async () => {
		const trend = await cohortTrend(db, query, 3);
		expect(trend.mcid).toMatchObject({ value: 2 });
		// Latest vs baseline (lower is better, MCID 2): −3 yes, −1 no, −3 yes; patient 4 has only a baseline.
		const ms = trend.responders.find((r) => r.condition === 'multiple_sclerosis');
		expect(ms).toMatchObject({ n: 3, responders: 2 });
		if (!ms || 'suppressed' in ms) throw new Error('expected a row');
		expect(ms.rate).toBeCloseTo(2 / 3, 10);
		// Wilson 2/3: 0.2077–0.9385.
		expect(ms.ci_low).toBeCloseTo(0.2077, 4);
		expect(ms.ci_high).toBeCloseTo(0.9385, 4);
		expect(trend.responders.find((r) => r.condition === 'rheumatoid_arthritis')).toEqual({ condition: 'rheumatoid_arthritis', suppressed: true });
	});

	it('shows more when k is smaller, and filters by enrolment date', async () => {
		const trend = await cohortTrend(db, query, 2);
		expect(trend.series.find((s) => s.condition === 'rheumatoid_arthritis')!.points.map((p) => p.n)).toEqual([2, 2]);
		// Whole quarters below admin (day-precise periods are an admin's only: privacy.test.ts).
		const none = await cohortTrend(db, { ...query, enrolledFrom: '2025-04-01' }, 3);
		expect(none.series.every((s) => s.points.length === 0)).toBe(true);
		const quarter = await cohortTrend(db, { ...query, enrolledFrom: '2025-01-01', enrolledTo: '2025-03-31' }, 3);
		expect(quarter.series.find((s) => s.condition === 'multiple_sclerosis')!.points.map((p) => [p.x, p.n])).toEqual([[1, 4], [2, 3]]);
		const byDay = await cohortTrend(db, { ...query, enrolledFrom: '2025-01-02', unrestricted: true }, 3);
		expect(byDay.series.every((s) => s.points.length === 0)).toBe(true);
	});
});
