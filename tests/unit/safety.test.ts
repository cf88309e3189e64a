/**
 * The safety intervals against an independent implementation: SciPy 1.17.1 (python3), the call
 * beside each expected value. The Poisson limits are also ½χ² quantiles
 * (scipy.stats.chi2.ppf(0.025, 2x) / 2, chi2.ppf(0.975, 2x + 2) / 2), which agree to the last digit.
 */
import { describe, expect, it } from 'vitest';
import { buildSafetyFigures, type SafetyCounts } from '../../src/lib/safety/figures';
import { daysBetween, flareSinceLastVisit, flareWindow, poissonCi, rateWithCi, splitFollowUp, wilson } from '../../src/lib/safety/rates';

const close = (actual: number | undefined, expected: number) => expect(actual).toBeCloseTo(expected, 10);

describe('exact Poisson interval (Garwood)', () => {
	const cases: [number, number, number][] = [
		// [x, scipy.stats.gamma.ppf(0.025, x) (0 for x = 0), scipy.stats.gamma.ppf(0.975, x + 1)]
		[0, 0, 3.6888794541139354],
		[1, 0.025317807984289876, 5.571643390938898],
		[3, 0.6186721228956014, 8.767273069742323],
		[10, 4.7953886961324335, 18.39035604201778],
		[57, 43.17124336292474, 73.85011140296281]
	];
	for (const [x, low, high] of cases) {
		it(`x = ${x}`, () => {
			const ci = poissonCi(x)!;
			close(ci.low, low);
			close(ci.high, high);
		});
	}
	it('scales to a rate: 3 events in 150 sessions is 2 per 100 sessions', () => {
		const r = rateWithCi(3, 150, 100)!;
		close(r.rate, 2);
		close(r.low, (0.6186721228956014 * 100) / 150);
		close(r.high, (8.767273069742323 * 100) / 150);
	});
	it('has no rate without exposure, and no interval for impossible counts', () => {
		expect(rateWithCi(0, 0, 100)).toBeNull();
		expect(poissonCi(-1)).toBeNull();
		expect(poissonCi(1.5)).toBeNull();
	});
});

describe('Wilson interval (reused from $lib/stats)', () => {
	const cases: [number, number, number, number][] = [
		// [k, n, scipy.stats.binomtest(k, n).proportion_ci(0.95, method='wilson') low, high]
		[0, 10, 0, 0.27753279986288926],
		[3, 10, 0.10779126740630102, 0.6032218525388546],
		[7, 20, 0.1811918241010821, 0.5671457233147637],
		[20, 20, 0.8388748419471808, 1],
		[1, 6, 0.03005336974830669, 0.5635028221864702]
	];
	for (const [k, n, low, high] of cases) {
		it(`${k} of ${n}`, () => {
			const ci = wilson(k, n)!;
			close(ci.low, low);
			close(ci.high, high);
		});
	}
});

describe('follow-up windows', () => {
	it('splits observed time at 12 weeks', () => {
		expect(daysBetween('2025-01-01', '2025-03-01')).toBe(59);
		expect(splitFollowUp('2025-01-01', '2025-01-01')).toEqual({ early: 0, later: 0 });
		expect(splitFollowUp('2025-01-01', '2025-02-01')).toEqual({ early: 31, later: 0 });
		expect(splitFollowUp('2025-01-01', '2025-12-31')).toEqual({ early: 84, later: 364 - 84 });
	});
	it('places a flare by its onset: before baseline or after the last visit it is not counted', () => {
		expect(flareWindow('2024-12-31', '2025-01-01', '2025-12-31')).toBeNull();
		expect(flareWindow('2025-01-01', '2025-01-01', '2025-12-31')).toBe('early');
		expect(flareWindow('2025-03-25', '2025-01-01', '2025-12-31')).toBe('early'); // day 83
		expect(flareWindow('2025-03-26', '2025-01-01', '2025-12-31')).toBe('later'); // day 84
		expect(flareWindow('2026-01-01', '2025-01-01', '2025-12-31')).toBeNull();
	});
});

describe('flare since the last visit, from episodes', () => {
	const visits = [
		{ id: 'c', visitDate: '2025-03-01' },
		{ id: 'a', visitDate: '2025-01-01' },
		{ id: 'b', visitDate: '2025-02-01' }
	];
	it('is no without episodes', () => {
		expect([...flareSinceLastVisit(visits, []).values()]).toEqual([false, false, false]);
	});
	it('counts an episode in every interval it overlaps, and an ongoing one until today', () => {
		const since = flareSinceLastVisit(visits, [{ onsetOn: '2025-01-10', endedOn: '2025-02-05' }]);
		expect(Object.fromEntries(since)).toEqual({ a: false, b: true, c: true });
		const ongoing = flareSinceLastVisit(visits, [{ onsetOn: '2024-12-20', endedOn: null }]);
		expect(Object.fromEntries(ongoing)).toEqual({ a: true, b: true, c: true });
	});
	it('does not count an episode that ended on the previous visit day', () => {
		expect(Object.fromEntries(flareSinceLastVisit(visits, [{ onsetOn: '2025-01-10', endedOn: '2025-02-01' }]))).toEqual({ a: false, b: true, c: false });
	});
});

describe('the overall safety figures across two queries', () => {
	const group = (condition: string, patients: number, events: number): SafetyCounts => ({ condition, patients, visits: patients * 3, asked: patients * 2, sessions: patients * 10, events, patientsWithEvent: Math.min(events, patients), seriousEvents: 0 });
	const k = 5;
	const overall = (groups: SafetyCounts[]) => buildSafetyFigures(groups, [], k).overall;

	it('never shows two totals that differ by fewer than k patients (a withheld group added to others withheld)', () => {
		// B and C are withheld (3 each, 6 together); D is withheld (3). Shown totals over {A,B,C}
		// and {A,B,C,D} would differ by D's 3 patients alone: D's events would be their difference.
		const [a, b, c, d] = [group('a', 10, 2), group('b', 3, 1), group('c', 3, 0), group('d', 3, 2)];
		const shownTotals = [[a], [a, b], [a, b, c], [a, b, c, d], [a, c], [a, c, d], [a, b, d]].map((s) => ({ s, o: overall(s) })).filter((x) => !('suppressed' in x.o));
		for (const x of shownTotals)
			for (const y of shownTotals) {
				const diff = Math.abs((x.o as { patients: number }).patients - (y.o as { patients: number }).patients);
				expect(diff === 0 || diff >= k, `${x.s.map((g) => g.condition)} against ${y.s.map((g) => g.condition)}`).toBe(true);
			}
		expect(overall([a, b, c, d])).toEqual({ condition: null, suppressed: true });
	});

	it('shows the total when every group in it is shown', () => {
		expect(overall([group('a', 10, 2), group('e', 6, 1)])).toMatchObject({ patients: 16, events: 3 });
	});
});
