/**
 * The paired stress–flare difference against SciPy 1.17.1:
 * `scipy.stats.ttest_1samp(d, 0).confidence_interval(0.95)` for the differences d below.
 */
import { describe, expect, it } from 'vitest';
import { buildStressFlare, pairedMeanDifference, stressFlareShown } from '../../src/lib/safety/stress-flare';

const sums = (d: number[]) => ({ n: d.length, sum: d.reduce((a, x) => a + x, 0), sumSq: d.reduce((a, x) => a + x * x, 0) });

describe('pairedMeanDifference', () => {
	it('matches SciPy for eight patients', () => {
		const d = [2.5, -1, 4, 0.5, 3, 1.25, -2, 6];
		const s = sums(d);
		const r = pairedMeanDifference(s.n, s.sum, s.sumSq)!;
		expect(r.mean).toBeCloseTo(1.78125, 12);
		expect(r.sd).toBeCloseTo(2.6370895076634335, 10); // numpy std(ddof=1)
		expect(r.low).toBeCloseTo(-0.42341200061682516, 8); // scipy
		expect(r.high).toBeCloseTo(3.985912000616825, 8); // scipy
	});
	it('matches SciPy for two patients (t with 1 degree of freedom)', () => {
		const r = pairedMeanDifference(2, 4, 10)!;
		expect(r.low).toBeCloseTo(-10.706204736174694, 6); // scipy
		expect(r.high).toBeCloseTo(14.706204736174694, 6); // scipy
	});
	it('has no interval for one patient, and no figure for none', () => {
		expect(pairedMeanDifference(1, 3, 9)).toEqual({ mean: 3, sd: null, low: null, high: null });
		expect(pairedMeanDifference(0, 0, 0)).toBeNull();
	});
});

describe('buildStressFlare', () => {
	const g = (condition: string, d: number[]) => ({ condition, patients: d.length, ...(({ sum, sumSq }) => ({ sum, sumSq }))(sums(d)) });
	it('prefers PSS-10, falls back to GAD-7, and withholds below k', () => {
		const five = [1, 2, 3, 4, 5];
		expect(buildStressFlare({ pss10: [g('ra', five)], gad7: [] }, 5)).toMatchObject({ instrument: 'pss10', patients: 5, mean_difference: 3 });
		expect(buildStressFlare({ pss10: [g('ra', [1, 2])], gad7: [g('ra', five)] }, 5)).toMatchObject({ instrument: 'gad7', patients: 5 });
		expect(buildStressFlare({ pss10: [g('ra', [1, 2, 3, 4])], gad7: [] }, 5)).toEqual({ suppressed: true });
	});
	it('withholds when any contributing condition has fewer than k patients (no differencing between condition lists)', () => {
		expect(stressFlareShown([g('ra', [1, 2, 3, 4, 5]), g('sle', [1])], 5)).toBe(false);
		expect(stressFlareShown([g('ra', [1, 2, 3, 4, 5]), g('sle', [])], 5)).toBe(true);
	});
});
