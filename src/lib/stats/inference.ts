/**
 * Inference for the evidence report (issue 20): paired t, Cohen's d_z, Wilcoxon signed-rank,
 * Holm's adjustment, Spearman's rho, standardised mean differences. Pure, no I/O.
 *
 * Every distribution function (Student's t CDF and quantile, the normal CDF and quantile, the
 * exact null distribution of the signed-rank statistic) comes from stdlib's maintained, tested
 * packages, never from code of our own: a hand-written quantile is where a report's p-values
 * silently go wrong (stdlib's are checked against Boost and R in its own test suite). What this
 * file adds is only the arithmetic of each test, stated beside it; tests/unit/inference.test.ts
 * holds each against scipy 1.17.
 */
import tCdf from '@stdlib/stats-base-dists-t-cdf';
import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import signrankCdf from '@stdlib/stats-base-dists-signrank-cdf';
import { wilson } from './index';

export { wilson };

/** Φ⁻¹(0.975), from stdlib. */
const Z975 = normalQuantile(0.975, 0, 1);

/** Two-sided p-value of a standard normal statistic. */
function normalTwoSided(z: number): number {
	return Math.min(1, 2 * normalCdf(-Math.abs(z), 0, 1));
}

export interface Moments {
	n: number;
	mean: number;
	/** Sample SD (n − 1); null when n < 2. */
	sd: number | null;
}

/** A list of numbers: an array, or a typed array (the report's populations). */
export type Numbers = readonly number[] | Float64Array;

/** n, mean and sample SD of a list (two-pass, for accuracy). */
export function moments(values: Numbers): Moments {
	const n = values.length;
	if (n === 0) return { n, mean: Number.NaN, sd: null };
	let sum = 0;
	for (let i = 0; i < n; i++) sum += values[i]!;
	const mean = sum / n;
	if (n < 2) return { n, mean, sd: null };
	let ss = 0;
	for (let i = 0; i < n; i++) {
		const d = values[i]! - mean;
		ss += d * d;
	}
	return { n, mean, sd: Math.sqrt(ss / (n - 1)) };
}

export interface PairedT {
	n: number;
	mean: number;
	sd: number;
	ci_low: number;
	ci_high: number;
	t: number;
	p: number;
}

/**
 * The paired (one-sample on the changes) t-test: t = mean / (SD / √n) on n − 1 degrees of
 * freedom, two-sided p, and the 95 % interval mean ± t(0.975, n − 1) · SD / √n (scipy.stats.ttest_1samp).
 * Null when n < 2. With every change equal (SD 0) the interval is the point, and p is 1 when that
 * change is 0, else 0 (t is infinite).
 */
export function pairedT(m: Moments): PairedT | null {
	const { n, mean, sd } = m;
	if (n < 2 || sd === null || !Number.isFinite(mean)) return null;
	const se = sd / Math.sqrt(n);
	const half = tQuantile(0.975, n - 1) * se;
	if (se === 0) return { n, mean, sd, ci_low: mean, ci_high: mean, t: mean === 0 ? 0 : Math.sign(mean) * Infinity, p: mean === 0 ? 1 : 0 };
	const t = mean / se;
	const p = Math.min(1, 2 * tCdf(-Math.abs(t), n - 1));
	return { n, mean, sd, ci_low: mean - half, ci_high: mean + half, t, p };
}

/**
 * Cohen's d_z = mean change / SD of the changes, with a 95 % interval from its large-sample
 * standard error √(1/n + d_z² / (2n)) (Becker 1988; Goulet-Pelletier & Cousineau 2018, eq. 8).
 * The exact interval inverts the noncentral t, which no maintained JavaScript library computes
 * reliably (jstat's noncentral t CDF returns 0 for a noncentrality near 30, where scipy gives
 * 0.8): the test bounds this interval's distance from scipy's exact one instead.
 */
export function cohenDz(m: Moments): { dz: number; ci_low: number; ci_high: number } | null {
	const { n, mean, sd } = m;
	if (n < 2 || sd === null || !(sd > 0)) return null;
	const dz = mean / sd;
	const se = Math.sqrt(1 / n + (dz * dz) / (2 * n));
	return { dz, ci_low: dz - Z975 * se, ci_high: dz + Z975 * se };
}

/**
 * Average ranks (1-based) of the values, ties sharing their mean rank, and the tie group sizes (in
 * value order). The values are sorted as a Float64Array (the engine's numeric sort, without a
 * comparator call per step); each distinct value's rank is the middle of its run, and each value
 * finds its distinct value by binary search — over a list that outcome scores (few distinct
 * values, many ties) keep short. At 200,000 values several times faster than sorting indices.
 */
export function averageRanks(values: Numbers): { ranks: number[]; ties: number[] } {
	const n = values.length;
	const sorted = new Float64Array(values).sort();
	const ties: number[] = [];
	const distinct: number[] = [];
	const rankOf: number[] = [];
	for (let i = 0; i < n; ) {
		let j = i + 1;
		while (j < n && sorted[j] === sorted[i]) j++;
		ties.push(j - i);
		distinct.push(sorted[i]!);
		rankOf.push((i + j - 1) / 2 + 1);
		i = j;
	}
	const ranks = new Array<number>(n);
	const d = distinct.length;
	for (let i = 0; i < n; i++) {
		const v = values[i]!;
		let lo = 0;
		let hi = d - 1;
		while (lo < hi) {
			const mid = (lo + hi) >>> 1;
			if (distinct[mid]! < v) lo = mid + 1;
			else hi = mid;
		}
		ranks[i] = rankOf[lo]!;
	}
	return { ranks, ties };
}

/**
 * Wilcoxon's signed-rank test of the changes, two-sided, zeros dropped (Wilcoxon's own rule,
 * scipy's `zero_method='wilcox'`). With no zeros, no tied |change| and at most 50 changes: the
 * exact null distribution (stdlib's signed-rank CDF), p = 2 · min(P(T⁺ ≤ t), P(T⁺ ≥ t)) as
 * scipy's `method='exact'`. Otherwise the normal approximation with the tie-corrected variance
 * and no continuity correction (scipy's `method='asymptotic'`, its default `correction=False`).
 * (scipy's own `auto` would run a permutation test for ties with n ≤ 13; we do not.)
 * Null when no change is non-zero.
 */
export function wilcoxonSignedRank(changes: Numbers): { p: number; method: 'exact' | 'normal'; n: number; t_plus: number } | null {
	let zeros = 0;
	let n = 0;
	const d = new Float64Array(changes.length);
	for (let i = 0; i < changes.length; i++) {
		const c = changes[i]!;
		if (c === 0) zeros++;
		else if (Number.isFinite(c)) d[n++] = c;
	}
	if (n === 0) return null;
	const abs = new Float64Array(n);
	for (let i = 0; i < n; i++) abs[i] = Math.abs(d[i]!);
	const { ranks, ties } = averageRanks(abs);
	let tPlus = 0;
	for (let i = 0; i < n; i++) if (d[i]! > 0) tPlus += ranks[i]!;
	const tied = ties.some((t) => t > 1);
	if (!tied && zeros === 0 && n <= 50) {
		const lower = signrankCdf(tPlus, n);
		const upper = 1 - signrankCdf(tPlus - 1, n);
		return { p: Math.min(1, 2 * Math.min(lower, upper)), method: 'exact', n, t_plus: tPlus };
	}
	const mean = (n * (n + 1)) / 4;
	let variance = (n * (n + 1) * (2 * n + 1)) / 24;
	for (const t of ties) variance -= (t * t * t - t) / 48;
	if (!(variance > 0)) return { p: 1, method: 'normal', n, t_plus: tPlus };
	return { p: normalTwoSided((tPlus - mean) / Math.sqrt(variance)), method: 'normal', n, t_plus: tPlus };
}

/**
 * Holm's step-down adjustment (Holm 1979), as statsmodels' `multipletests(method='holm')`:
 * sorted ascending, p₍ᵢ₎ · (m − i + 1), made monotone, capped at 1. Nulls (no test) are left out
 * of m and stay null.
 */
export function holm(ps: readonly (number | null)[]): (number | null)[] {
	const present = ps.map((p, i) => ({ p, i })).filter((x): x is { p: number; i: number } => x.p !== null && Number.isFinite(x.p));
	present.sort((a, b) => a.p - b.p);
	const m = present.length;
	const out: (number | null)[] = ps.map(() => null);
	let running = 0;
	present.forEach(({ p, i }, j) => {
		running = Math.max(running, Math.min(1, (m - j) * p));
		out[i] = running;
	});
	return out;
}

/**
 * Spearman's rho (Pearson's r of the average ranks, scipy.stats.spearmanr) with its two-sided p
 * (t = r √((n − 2)/(1 − r²)) on n − 2 df, as scipy) and a 95 % interval by Fisher's z with
 * SE 1/√(n − 3) (as scipy's `pearsonr(...).confidence_interval()` on the ranks). Null when n < 4
 * or either variable is constant.
 */
export function spearman(x: Numbers, y: Numbers): { rho: number; n: number; p: number; ci_low: number; ci_high: number } | null {
	const n = x.length;
	if (n !== y.length || n < 4) return null;
	const rx = averageRanks(x).ranks;
	const ry = averageRanks(y).ranks;
	const mx = moments(rx).mean;
	const my = moments(ry).mean;
	let sxy = 0;
	let sxx = 0;
	let syy = 0;
	for (let i = 0; i < n; i++) {
		const a = rx[i]! - mx;
		const b = ry[i]! - my;
		sxy += a * b;
		sxx += a * a;
		syy += b * b;
	}
	if (sxx === 0 || syy === 0) return null;
	const rho = Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
	const p = Math.abs(rho) === 1 ? 0 : Math.min(1, 2 * tCdf(-Math.abs(rho * Math.sqrt((n - 2) / (1 - rho * rho))), n - 2));
	const z = Math.atanh(rho);
	const se = 1 / Math.sqrt(n - 3);
	return { rho, n, p, ci_low: Math.tanh(z - Z975 * se), ci_high: Math.tanh(z + Z975 * se) };
}

/**
 * Standardised mean difference between two groups, (mean₁ − mean₂) / √((SD₁² + SD₂²) / 2), the
 * balance measure of Austin (2009, Stat Med 28:3083, eq. 1); |SMD| > 0.1 is the usual flag.
 */
export function smd(a: Moments, b: Moments): number | null {
	if (a.sd === null || b.sd === null || a.n < 2 || b.n < 2) return null;
	const pooled = Math.sqrt((a.sd * a.sd + b.sd * b.sd) / 2);
	if (pooled === 0) return a.mean === b.mean ? 0 : null;
	return (a.mean - b.mean) / pooled;
}

/** SMD of a proportion (Austin 2009, eq. 2): (p₁ − p₂) / √((p₁(1 − p₁) + p₂(1 − p₂)) / 2). */
export function smdProportion(p1: number, p2: number): number | null {
	const pooled = Math.sqrt((p1 * (1 - p1) + p2 * (1 - p2)) / 2);
	if (pooled === 0) return p1 === p2 ? 0 : null;
	return (p1 - p2) / pooled;
}

/** A share with its Wilson 95 % interval; null when n is 0. */
export function share(x: number, n: number): { n: number; rate: number; ci_low: number; ci_high: number } | null {
	const ci = wilson(x, n);
	if (!ci) return null;
	return { n: x, rate: x / n, ci_low: ci.low, ci_high: ci.high };
}

/** Values sorted ascending, numerically (a typed array sorts without a comparator: fast). */
export function sortedValues(values: Numbers): Float64Array {
	return new Float64Array(values).sort();
}

/** The p-quantile of sorted values, interpolating as PostgreSQL's percentile_cont and numpy's default. */
export function quantileSorted(s: Float64Array, p: number): number {
	if (s.length === 0) return Number.NaN;
	const h = (s.length - 1) * p;
	const lo = Math.floor(h);
	return h === lo ? s[lo]! : s[lo]! + (h - lo) * (s[lo + 1]! - s[lo]!);
}

/** The p-quantile of a list (see quantileSorted). */
export function quantile(values: Numbers, p: number): number {
	return quantileSorted(sortedValues(values), p);
}
