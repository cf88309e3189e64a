import { describe, expect, it } from 'vitest';
import { meanCi, tCdf, tQuantile, wilson } from '../../src/lib/stats';

describe("Student's t", () => {
	// Two-sided 95 % critical values from standard tables.
	it.each([
		[1, 12.7062],
		[2, 4.3027],
		[3, 3.1824],
		[5, 2.5706],
		[10, 2.2281],
		[30, 2.0423],
		[120, 1.9799],
		[100000, 1.96]
	])('t(0.975, %i) = %f', (df, expected) => {
		expect(tQuantile(0.975, df)).toBeCloseTo(expected, 3);
	});
	it('is symmetric and inverts its CDF', () => {
		expect(tQuantile(0.025, 7)).toBeCloseTo(-tQuantile(0.975, 7), 9);
		expect(tCdf(tQuantile(0.9, 4), 4)).toBeCloseTo(0.9, 9);
		expect(tCdf(0, 3)).toBeCloseTo(0.5, 12);
	});
});

describe('confidence interval of a mean', () => {
	it('uses t with n − 1 degrees of freedom', () => {
		// n = 5, mean 10, SD 2: half-width 2.7764 × 2 / √5 = 2.4833.
		const ci = meanCi(10, 2, 5)!;
		expect(ci.low).toBeCloseTo(7.5167, 3);
		expect(ci.high).toBeCloseTo(12.4833, 3);
	});
	it('is absent below two observations', () => {
		expect(meanCi(10, null, 1)).toBeNull();
	});
});

describe('Wilson interval', () => {
	it('matches published values', () => {
		// 5/10: 0.2366–0.7634; 0/10: 0–0.2775; 10/10: 0.7225–1 (Newcombe 1998, method 3).
		const half = wilson(5, 10)!;
		expect(half.low).toBeCloseTo(0.2366, 4);
		expect(half.high).toBeCloseTo(0.7634, 4);
		expect(wilson(0, 10)!.low).toBe(0);
		expect(wilson(0, 10)!.high).toBeCloseTo(0.2775, 4);
		expect(wilson(10, 10)!.low).toBeCloseTo(0.7225, 4);
		// 81/263: 0.2553–0.3662 (Newcombe 1998 example).
		expect(wilson(81, 263)!.low).toBeCloseTo(0.2553, 3);
		expect(wilson(81, 263)!.high).toBeCloseTo(0.3662, 3);
	});
	it('refuses impossible counts', () => {
		expect(wilson(3, 0)).toBeNull();
		expect(wilson(4, 3)).toBeNull();
	});
});
