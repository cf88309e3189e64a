/**
 * The report's inference held against scipy 1.17.1 (python3, numpy 2). Each expected value names
 * the scipy call that produced it; the data are written out here so the calls can be re-run.
 */
import { describe, expect, it } from 'vitest';
import { averageRanks, cohenDz, holm, moments, pairedT, share, smd, smdProportion, spearman, wilcoxonSignedRank, quantile } from '../../src/lib/stats/inference';

// No zeros, no tied |change|.
const A = [-3.1, -2.4, 0.7, -5.2, -1.9, 1.3, -4.4, -0.6, -2.8, -3.7];
// Integer changes: zeros and ties, as questionnaire scores give.
const B = [-2, -1, 0, -3, -1, 2, -2, 0, -4, -1, -1, 1, -2, -3, 0, -1, -2, -5, 1, -2];
// numpy.random.default_rng(20).normal(-1.5, 4, 60) rounded to 2 places (some ties).
const C = [
	-2.94, 3.31, 4.09, -0.23, 0.16, -3.46, -5.16, -5.1, -5.49, 2.22, -1.73, -0.99, -4.06, -5.85, -6.31, -4.87, 0.9, -1.43, -3.33, -2.46, -7.21, 3.42,
	-6.37, -1.33, 7.05, -11.7, -7.13, -4.39, -1.03, -8.36, -2.44, -1.61, -0.82, -11.05, 1.09, 4.89, 0.25, -4.39, -3.95, -12.09, 0.4, 4.51, 1.1, -13.41,
	-3.2, -1.91, -3.43, 2.63, -8.48, -4.37, 0.88, 2.46, -0.82, 2.72, 0.58, -5.74, 3.67, -3.52, -8.02, 0.25
];

describe('paired t-test', () => {
	// scipy.stats.ttest_1samp(d, 0): statistic, pvalue, confidence_interval(0.95).
	it.each([
		['A', A, -3.2900491117045885, 0.009377612095483405, -3.7295418548612, -0.6904581451388003],
		['B', B, -3.3803914364086887, 0.0031406680351779457, -2.1049160347008526, -0.49508396529914733],
		['C', C, -4.171350826864188, 0.00010075481063407503, -3.541414407546109, -1.2452522591205581]
	])('matches scipy on %s', (_name, d, t, p, low, high) => {
		const r = pairedT(moments(d))!;
		expect(r.t).toBeCloseTo(t, 9);
		expect(r.p / p).toBeCloseTo(1, 7);
		expect(r.ci_low).toBeCloseTo(low, 9);
		expect(r.ci_high).toBeCloseTo(high, 9);
	});
	it('has no test below two changes, and a degenerate one when all changes are equal', () => {
		expect(pairedT(moments([1]))).toBeNull();
		expect(pairedT(moments([0, 0, 0]))!.p).toBe(1);
		expect(pairedT(moments([-2, -2, -2]))!.p).toBe(0);
	});
});

describe("Cohen's d_z", () => {
	// d_z = mean / SD (numpy: d.mean() / d.std(ddof=1)). The exact interval inverts the noncentral
	// t: scipy.optimize.brentq on scipy.stats.nct.cdf(t_obs, n − 1, nc) = 0.975 and 0.025, ÷ √n.
	// Ours is the large-sample one: it must lie within the stated distance of the exact one.
	it.each([
		['A', A, -1.0404048806800241, -1.8025018674940108, -0.24279129753590864, 0.04],
		['B', B, -0.7558785042367985, -1.247257770512994, -0.24917624693582724, 0.02],
		['C', C, -0.5385190761211179, -0.8074913090369982, -0.2655512460900828, 0.005]
	])('on %s: d_z as numpy, interval near the exact noncentral-t one', (_name, d, dz, low, high, tolerance) => {
		const r = cohenDz(moments(d))!;
		expect(r.dz).toBeCloseTo(dz, 12);
		expect(Math.abs(r.ci_low - low)).toBeLessThan(tolerance);
		expect(Math.abs(r.ci_high - high)).toBeLessThan(tolerance);
	});
	it('is undefined when the changes do not vary', () => {
		expect(cohenDz(moments([1, 1, 1]))).toBeNull();
	});
});

describe('Wilcoxon signed-rank', () => {
	it('is exact without ties or zeros (scipy.stats.wilcoxon(A, method="exact").pvalue = 0.01953125)', () => {
		const r = wilcoxonSignedRank(A)!;
		expect(r.method).toBe('exact');
		expect(r.p).toBeCloseTo(0.01953125, 12);
	});
	it('is exact on a second set (scipy.stats.wilcoxon([1.5,-0.5,2.5,3.5,-1,4.5,5.5], method="exact").pvalue = 0.078125)', () => {
		expect(wilcoxonSignedRank([1.5, -0.5, 2.5, 3.5, -1.0, 4.5, 5.5])!.p).toBeCloseTo(0.078125, 12);
	});
	// scipy.stats.wilcoxon(d, method="asymptotic").pvalue (zero_method "wilcox", correction False).
	it('uses the tie-corrected normal approximation with zeros and ties (B: 0.005407723329062408)', () => {
		const r = wilcoxonSignedRank(B)!;
		expect(r.method).toBe('normal');
		expect(r.n).toBe(17);
		expect(r.p / 0.005407723329062408).toBeCloseTo(1, 9);
	});
	it('uses it with ties beyond 50 (C: 0.00027225499142807374)', () => {
		expect(wilcoxonSignedRank(C)!.p / 0.00027225499142807374).toBeCloseTo(1, 9);
	});
	it('has no test when every change is 0', () => {
		expect(wilcoxonSignedRank([0, 0])).toBeNull();
	});
});

describe('Holm adjustment', () => {
	// Holm (1979) by its definition, computed in python: sorted p × (m − i + 1), running maximum, ≤ 1.
	it('adjusts in the original order', () => {
		const out = holm([0.01, 0.04, 0.03, 0.005]);
		expect(out.map((p) => p!)).toEqual([0.03, 0.06, 0.06, 0.02].map((p) => expect.closeTo(p, 12)));
	});
	it('leaves missing tests out of m', () => {
		expect(holm([0.02, null, 0.04])).toEqual([0.04, null, 0.04].map((p) => (p === null ? null : expect.closeTo(p, 12))));
		expect(holm([0.6, 0.7])).toEqual([1, 1]);
	});
});

describe("Spearman's rho", () => {
	const sessions = [4, 6, 6, 8, 10, 3, 12, 7, 5, 9, 11, 6];
	const change = [-1, -2, 0, -3, -4, 1, -5, -2, -1, -3, -2, -2];
	it('matches scipy.stats.spearmanr (rho, p) and pearsonr on the ranks (Fisher-z interval)', () => {
		const r = spearman(sessions, change)!;
		expect(r.rho).toBeCloseTo(-0.8562037418416335, 12);
		expect(r.p / 0.0003784091993486423).toBeCloseTo(1, 8);
		// scipy.stats.pearsonr(rankdata(sessions), rankdata(change)).confidence_interval(0.95)
		expect(r.ci_low).toBeCloseTo(-0.9589162465855782, 10);
		expect(r.ci_high).toBeCloseTo(-0.5550318505937801, 10);
	});
	it('needs four pairs and variation', () => {
		expect(spearman([1, 2, 3], [1, 2, 3])).toBeNull();
		expect(spearman([1, 1, 1, 1], [1, 2, 3, 4])).toBeNull();
	});
});

describe('standardised mean differences and shares', () => {
	it('SMD of means (numpy: (a.mean() − b.mean()) / sqrt((a.var(ddof=1) + b.var(ddof=1)) / 2) = 1.556997888323046)', () => {
		expect(smd(moments([12, 15, 11, 18, 14, 16]), moments([10, 13, 12, 9, 11]))).toBeCloseTo(1.556997888323046, 12);
	});
	it('SMD of proportions 0.6 against 0.45 (numpy, Austin 2009 eq. 2: 0.3038218101250999)', () => {
		expect(smdProportion(0.6, 0.45)).toBeCloseTo(0.3038218101250999, 12);
	});
	it('Wilson interval (scipy.stats.binomtest(k, n).proportion_ci(method="wilson"))', () => {
		const s = share(7, 20)!;
		expect(s.rate).toBe(0.35);
		expect(s.ci_low).toBeCloseTo(0.1811918241010821, 10);
		expect(s.ci_high).toBeCloseTo(0.5671457233147637, 10);
		expect(share(0, 12)!.ci_high).toBeCloseTo(0.24249400665524085, 10);
		expect(share(0, 0)).toBeNull();
	});
	it('average ranks and quantiles as scipy.stats.rankdata and numpy.quantile', () => {
		expect(averageRanks([3, 1, 3, 2]).ranks).toEqual([3.5, 1, 3.5, 2]);
		// scipy.stats.rankdata([2, -1, 2, 0, 2, -1, 5, 0.5, -3]) (scipy 1.x, method 'average').
		const r = averageRanks([2, -1, 2, 0, 2, -1, 5, 0.5, -3]);
		expect(r.ranks).toEqual([7, 2.5, 7, 4, 7, 2.5, 9, 5, 1]);
		// Tie groups in value order: −3, −1 ×2, 0, 0.5, 2 ×3, 5.
		expect(r.ties).toEqual([1, 2, 1, 1, 3, 1]);
		// Against the definition (1 + number below + (number equal − 1) / 2) on many values with ties.
		const many = Array.from({ length: 3000 }, (_, i) => ((i * 7919) % 101) - 50 + (i % 3 === 0 ? 0.5 : 0));
		const byDefinition = many.map((v) => 1 + many.filter((w) => w < v).length + (many.filter((w) => w === v).length - 1) / 2);
		expect(averageRanks(many).ranks).toEqual(byDefinition);
		expect(quantile([4, 1, 3, 2], 0.5)).toBe(2.5);
		expect(quantile([4, 1, 3, 2], 0.25)).toBe(1.75);
	});
});
