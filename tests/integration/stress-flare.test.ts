/**
 * Stress and flares on a hand-built cohort (both drivers): each patient's PSS-10 totals at visits
 * followed by a flare onset before the next visit against visits that were not, worked out by hand
 * below, and the interval against SciPy 1.17.1 (`scipy.stats.ttest_1samp([7.5, 12], 0).confidence_interval()`).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/lib/server/db';
import { createPatient } from '../../src/lib/server/patients';
import { recordVisit } from '../../src/lib/server/visits';
import { recordFlare, safetyFigures } from '../../src/lib/server/safety';
import { driverName, resetDatabase, testDatabase } from './db';
import { makeUser } from './helpers';

let db: Db;
let actor: { id: string };

/** PSS-10 answers with the given total: the six plain items first, then the four reversed ones. */
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
let refs = 0;
async function patient(conditionCode: string, visits: [string, number | null][], flares: string[]) {
	const p = await createPatient(db, actor, { clinicRef: `SFL-${++refs}`, name: 'Stress', dateOfBirth: '1970-01-01', sex: 'female', conditionCode, enrolledOn: '2025-01-01' });
	if (!p.ok) throw new Error(p.message);
	for (const [date, total] of visits) {
		const v = await recordVisit(db, actor, p.value, { visitDate: date, kind: 'treatment', acupunctureSessions: 1, aeAnswer: 'none', note: null }, total === null ? [] : [pss(total)]);
		if (!v.ok) throw new Error(v.message);
	}
	for (const onsetOn of flares) {
		const f = await recordFlare(db, actor, p.value, { onsetOn, endedOn: null, severity: 'moderate', triggers: ['stress'], treatmentChanged: false, note: null });
		if (!f.ok) throw new Error(f.message);
	}
}

beforeAll(async () => {
	db = (await testDatabase()).db;
});
beforeEach(async () => {
	await resetDatabase(db);
	actor = await makeUser(db, 'clinician');
});
afterAll(() => resetDatabase(db));

describe(`stress and flares (${driverName})`, () => {
	it('is the mean of within-patient differences across the patients with both kinds of visit', async () => {
		// A: 20 before the flare of 02-10; 10 and 15 not; the last visit has no next one. 20 − 12.5 = 7.5.
		await patient('rheumatoid_arthritis', [['2025-02-01', 20], ['2025-03-01', 10], ['2025-04-01', 15], ['2025-05-01', 40]], ['2025-02-10']);
		// B: 30 before the flare on the next visit's own date (counted); 18 not. 30 − 18 = 12.
		await patient('rheumatoid_arthritis', [['2025-02-01', 30], ['2025-03-01', 18], ['2025-04-01', 5]], ['2025-03-01']);
		// C: no flare: no visit of the first kind, so not counted. D: a flare on the visit's own day belongs to the window before it.
		await patient('rheumatoid_arthritis', [['2025-02-01', 12], ['2025-03-01', 14], ['2025-04-01', 11]], []);
		await patient('rheumatoid_arthritis', [['2025-02-01', 12], ['2025-03-01', null], ['2025-04-01', 11]], ['2025-02-01']);
		const f = await safetyFigures(db, { conditions: [] }, 2);
		expect(f.stress_flare).toMatchObject({ instrument: 'pss10', patients: 2 });
		if ('suppressed' in f.stress_flare) throw new Error('withheld');
		expect(f.stress_flare.mean_difference).toBeCloseTo(9.75, 10);
		expect(f.stress_flare.ci_low).toBeCloseTo(-18.838960656393063, 6); // scipy
		expect(f.stress_flare.ci_high).toBeCloseTo(38.33896065639306, 6); // scipy
		// Fewer than k contributing patients: withheld.
		expect((await safetyFigures(db, { conditions: [] }, 3)).stress_flare).toEqual({ suppressed: true });
	});
	it('is withheld when a contributing condition has fewer than k patients', async () => {
		await patient('rheumatoid_arthritis', [['2025-02-01', 20], ['2025-03-01', 10], ['2025-04-01', 15]], ['2025-02-10']);
		await patient('rheumatoid_arthritis', [['2025-02-01', 30], ['2025-03-01', 18], ['2025-04-01', 5]], ['2025-03-01']);
		await patient('sle', [['2025-02-01', 30], ['2025-03-01', 18], ['2025-04-01', 5]], ['2025-03-01']);
		expect((await safetyFigures(db, { conditions: [] }, 2)).stress_flare).toEqual({ suppressed: true });
		expect((await safetyFigures(db, { conditions: ['rheumatoid_arthritis'] }, 2)).stress_flare).toMatchObject({ instrument: 'pss10', patients: 2, mean_difference: 11 }); // (20 − 10) and (30 − 18)
	});
});
