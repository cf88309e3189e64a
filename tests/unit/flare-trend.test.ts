/** The month rules of the flare-rate trend ($lib/safety/flare-trend); its figures are in tests/integration/flare-trend.test.ts. */
import { describe, expect, it } from 'vitest';
import { buildFlareTrend, daysInMonth, monthsWithTime, onsetMonth } from '../../src/lib/safety/flare-trend';

describe('flare trend months', () => {
	it('splits follow-up into 30.4375-day months, a whole month being 1/12 of a patient-year', () => {
		expect(monthsWithTime(0)).toBe(0);
		expect(monthsWithTime(30)).toBe(1);
		expect(monthsWithTime(31)).toBe(2);
		expect(daysInMonth(0, 31)).toBe(30.4375);
		expect(daysInMonth(1, 31)).toBe(0.5625);
		expect(daysInMonth(2, 31)).toBe(0);
		expect((daysInMonth(0, 400) * 12) / 365.25).toBe(1);
	});

	it('counts an onset where its patient has time, even on the last day at a month boundary', () => {
		expect(onsetMonth(30, 100)).toBe(0);
		expect(onsetMonth(31, 100)).toBe(1);
		// 487 days = 16 × 30.4375: the last visit's day starts month 16, in which the patient has no time.
		expect(onsetMonth(487, 487)).toBe(15);
		expect(onsetMonth(487, 500)).toBe(16);
		expect(onsetMonth(-1, 100)).toBeNull();
		expect(onsetMonth(101, 100)).toBeNull();
		expect(onsetMonth(0, 0)).toBeNull();
	});

	it('withholds a small condition whole, and months from the first with fewer than k patients', () => {
		const t = buildFlareTrend(
			[
				{ condition: 'a', days: 20, patients: 2 },
				{ condition: 'a', days: 70, patients: 1 },
				{ condition: 'b', days: 400, patients: 1 }
			],
			[{ condition: 'a', month: 0, onsets: 1 }],
			2
		);
		expect(t).toEqual([
			{ condition: 'a', months: [expect.objectContaining({ month: 0, patients: 3, onsets: 1 }), { month: 1, suppressed: true }] },
			{ condition: 'b', suppressed: true }
		]);
	});
});

describe('flare trend chart datasets', async () => {
	const { buildFlareTrendDatasets } = await import('../../src/lib/charts/flare-trend');
	it('draws each condition shown as a band and a line over its months shown, nothing for withheld ones', () => {
		const month = (m: number, rate: number) => ({ month: m, patients: 5, onsets: 1, per_patient_year: rate, ci_low: rate / 2, ci_high: rate * 2 });
		const sets = buildFlareTrendDatasets(
			[
				{ condition: 'a', months: [month(0, 4), month(1, 2), { month: 2, suppressed: true }] },
				{ condition: 'b', suppressed: true },
				{ condition: 'c', months: [{ month: 0, suppressed: true }] }
			],
			(c) => c.toUpperCase()
		);
		expect(sets.map((s) => [s.label, s.data.map((d) => [d.x, d.y])])).toEqual([
			['A 95% CI low', [[0, 2], [1, 1]]],
			['A 95% CI', [[0, 8], [1, 4]]],
			['A', [[0, 4], [1, 2]]]
		]);
		expect(sets[1]!.fill).toBe('-1');
	});
});
