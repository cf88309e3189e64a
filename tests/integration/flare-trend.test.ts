/**
 * The flare-rate trend by month in treatment on a hand-built cohort (both drivers): person-time
 * and onsets per 30.4375-day month worked out by hand below, the intervals from SciPy 1.17.1
 * (`scipy.stats.chi2.ppf(0.025, 2x) / 2` and `chi2.ppf(0.975, 2x + 2) / 2`, the exact Poisson
 * limits), and the small-cell rule.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/lib/server/db';
import { createPatient } from '../../src/lib/server/patients';
import { recordVisit } from '../../src/lib/server/visits';
import { recordFlare, safetyFigures, updateFlare } from '../../src/lib/server/safety';
import { driverName, resetDatabase, testDatabase } from './db';
import { makeUser } from './helpers';

let db: Db;
let actor: { id: string };

let refs = 0;
/** A patient with live visits on `visits` and flares beginning on `flares`; returns the flare ids. */
async function patient(conditionCode: string, visits: string[], flares: string[]): Promise<string[]> {
	const p = await createPatient(db, actor, { clinicRef: `FT-${++refs}`, name: 'Trend', dateOfBirth: '1970-01-01', sex: 'female', conditionCode, enrolledOn: '2024-01-01' });
	if (!p.ok) throw new Error(p.message);
	for (const visitDate of visits) {
		const v = await recordVisit(db, actor, p.value, { visitDate, kind: 'treatment', acupunctureSessions: 1, aeAnswer: 'none', note: null }, []);
		if (!v.ok) throw new Error(v.message);
	}
	const ids: string[] = [];
	for (const onsetOn of flares) {
		const f = await recordFlare(db, actor, p.value, { onsetOn, endedOn: null, severity: 'moderate', triggers: [], treatmentChanged: false, note: null });
		if (!f.ok) throw new Error(f.message);
		ids.push(f.value);
	}
	return ids;
}

beforeAll(async () => {
	db = (await testDatabase()).db;
});
beforeEach(async () => {
	await resetDatabase(db);
	actor = await makeUser(db, 'clinician');
});
afterAll(() => resetDatabase(db));

const L = 30.4375;
// scipy.stats.chi2.ppf(0.025, 4) / 2 and chi2.ppf(0.975, 6) / 2: the exact Poisson limits for x = 2.
const LOW_2 = 0.24220927854396496;
const HIGH_2 = 7.22468766772396;

describe(`flare-rate trend by month in treatment (${driverName})`, () => {
	/**
	 * Rheumatoid arthritis, baseline 2024-01-01 for A, B and C (2024 is a leap year):
	 *  A: last visit 2024-03-01, T = 60 days: month 0 has 30.4375 days, month 1 has 60 − 30.4375 = 29.5625.
	 *     Flares on day 10 (01-11, month 0) and day 31 (02-01, 31 / 30.4375 = 1.02: month 1).
	 *  B: last visit 2024-04-10, T = 100: months 0–2 whole, month 3 has 100 − 91.3125 = 8.6875.
	 *     Flares on day 30 (01-31, month 0) and day 95 (04-05, month 3).
	 *  C: last visit 2024-02-15, T = 45: month 0 whole, month 1 has 14.5625. A flare on day 45, its last
	 *     visit's day (month 1), and one on day 5 that is voided.
	 *  D: one visit, 2024-01-05: no time, so neither in the months' patients nor their onsets (flare that day).
	 * Month 0: A, B, C; 3 × 30.4375 = 91.3125 days = 0.25 patient-years; 2 onsets → 8 per patient-year.
	 * Month 1: A, B, C; 29.5625 + 30.4375 + 14.5625 = 74.5625 days; 2 onsets.
	 * Month 2: B alone, fewer than k = 3: withheld, and every month after it.
	 * Lupus: 2 patients, fewer than k: withheld whole.
	 */
	async function cohort() {
		await patient('rheumatoid_arthritis', ['2024-01-01', '2024-02-01', '2024-03-01'], ['2024-01-11', '2024-02-01']);
		await patient('rheumatoid_arthritis', ['2024-01-01', '2024-04-10'], ['2024-01-31', '2024-04-05']);
		const [, voided] = await patient('rheumatoid_arthritis', ['2024-01-01', '2024-02-15'], ['2024-02-15', '2024-01-06']);
		const gone = await updateFlare(db, actor, voided!, 1, { voided: true, voidReason: 'not a flare' }, 'not a flare');
		if (!gone.ok) throw new Error('void failed');
		await patient('rheumatoid_arthritis', ['2024-01-05'], ['2024-01-05']);
		await patient('sle', ['2024-01-01', '2024-06-01'], ['2024-02-01']);
		await patient('sle', ['2024-01-01', '2024-06-01'], []);
	}

	it('gives onsets per patient-year in each month with exact intervals, as worked out by hand', async () => {
		await cohort();
		const f = await safetyFigures(db, { conditions: [] }, 3);
		expect(f.flare_trend.map((t) => t.condition)).toEqual(['rheumatoid_arthritis', 'sle']);
		const ra = f.flare_trend[0]!;
		if ('suppressed' in ra) throw new Error('withheld');
		expect(ra.months).toHaveLength(3);
		const [m0, m1, m2] = ra.months;
		const years0 = (3 * L) / 365.25; // 0.25
		expect(m0).toMatchObject({ month: 0, patients: 3, onsets: 2 });
		if (!m0 || 'suppressed' in m0) throw new Error('month 0 withheld');
		expect(m0.per_patient_year).toBeCloseTo(8, 10);
		expect(m0.ci_low).toBeCloseTo(LOW_2 / years0, 10);
		expect(m0.ci_high).toBeCloseTo(HIGH_2 / years0, 10);
		const years1 = (29.5625 + 30.4375 + 14.5625) / 365.25;
		expect(m1).toMatchObject({ month: 1, patients: 3, onsets: 2 });
		if (!m1 || 'suppressed' in m1) throw new Error('month 1 withheld');
		expect(m1.per_patient_year).toBeCloseTo(2 / years1, 10);
		expect(m1.ci_low).toBeCloseTo(LOW_2 / years1, 10);
		expect(m1.ci_high).toBeCloseTo(HIGH_2 / years1, 10);
		expect(m2).toEqual({ month: 2, suppressed: true });
		expect(f.flare_trend[1]).toEqual({ condition: 'sle', suppressed: true });
	});

	it('shows more months when k allows, and a smaller selection changes nothing for a condition', async () => {
		await cohort();
		const f = await safetyFigures(db, { conditions: ['rheumatoid_arthritis'] }, 1);
		expect(f.flare_trend).toHaveLength(1);
		const ra = f.flare_trend[0]!;
		if ('suppressed' in ra) throw new Error('withheld');
		// B alone in months 2 and 3: 30.4375 days then 8.6875; its day-95 flare in month 3.
		expect(ra.months.map((m) => ('suppressed' in m ? null : [m.month, m.patients, m.onsets]))).toEqual([[0, 3, 2], [1, 3, 2], [2, 1, 0], [3, 1, 1]]);
		const m2 = ra.months[2]!;
		const m3 = ra.months[3]!;
		if ('suppressed' in m2 || 'suppressed' in m3) throw new Error('withheld');
		expect(m2.per_patient_year).toBe(0);
		expect(m2.ci_low).toBe(0);
		// scipy.stats.chi2.ppf(0.975, 2) / 2 = 3.6888794541139354, over 1/12 patient-year
		expect(m2.ci_high).toBeCloseTo(3.6888794541139354 * 12, 10);
		// scipy.stats.chi2.ppf(0.025, 2) / 2 = 0.025317807984289876, chi2.ppf(0.975, 4) / 2 = 5.571643390938898
		expect(m3.per_patient_year).toBeCloseTo(1 / (8.6875 / 365.25), 10);
		expect(m3.ci_low).toBeCloseTo(0.025317807984289876 / (8.6875 / 365.25), 10);
		expect(m3.ci_high).toBeCloseTo(5.571643390938898 / (8.6875 / 365.25), 10);
		const all = await safetyFigures(db, { conditions: [] }, 1);
		expect(all.flare_trend[0]).toEqual(ra);
	});
});
