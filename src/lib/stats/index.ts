/**
 * Pure statistics shared by the server and the tests: Student's t quantiles, confidence
 * intervals for a mean, and Wilson's interval for a proportion.
 */

// ln Γ(x), Lanczos approximation (g = 7, n = 9; Numerical Recipes 3rd ed. §6.1).
const LANCZOS = [
	0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
	12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7
];
function lnGamma(x: number): number {
	if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
	x -= 1;
	let a = LANCZOS[0]!;
	const t = x + 7.5;
	for (let i = 1; i < 9; i++) a += LANCZOS[i]! / (x + i);
	return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

// Continued fraction for the incomplete beta function (Numerical Recipes §6.4, betacf).
function betaContinuedFraction(a: number, b: number, x: number): number {
	const tiny = 1e-300;
	let c = 1;
	let d = 1 - ((a + b) * x) / (a + 1);
	if (Math.abs(d) < tiny) d = tiny;
	d = 1 / d;
	let h = d;
	for (let m = 1; m <= 300; m++) {
		const m2 = 2 * m;
		let aa = (m * (b - m) * x) / ((a - 1 + m2) * (a + m2));
		d = 1 + aa * d;
		if (Math.abs(d) < tiny) d = tiny;
		c = 1 + aa / c;
		if (Math.abs(c) < tiny) c = tiny;
		d = 1 / d;
		h *= d * c;
		aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + 1 + m2));
		d = 1 + aa * d;
		if (Math.abs(d) < tiny) d = tiny;
		c = 1 + aa / c;
		if (Math.abs(c) < tiny) c = tiny;
		d = 1 / d;
		const del = d * c;
		h *= del;
		if (Math.abs(del - 1) < 1e-15) break;
	}
	return h;
}

/** Regularised incomplete beta I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
	if (x <= 0) return 0;
	if (x >= 1) return 1;
	const front = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
	return x < (a + 1) / (a + b + 2)
		? (front * betaContinuedFraction(a, b, x)) / a
		: 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** P(T ≤ t) for Student's t with `df` degrees of freedom. */
export function tCdf(t: number, df: number): number {
	const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
	return t >= 0 ? 1 - tail : tail;
}

/** The p-quantile of Student's t (bisection on the CDF; |error| < 1e-10). */
export function tQuantile(p: number, df: number): number {
	if (!(p > 0 && p < 1) || !(df > 0)) return Number.NaN;
	if (p === 0.5) return 0;
	// A chart asks for the same few quantiles (p = 0.975, df = n − 1) at every point and on every
	// request; each costs up to 200 evaluations of the t CDF (about 6 ms a chart at 20,000 patients).
	const key = `${p}|${df}`;
	const known = quantiles.get(key);
	if (known !== undefined) return known;
	if (quantiles.size >= 10_000) quantiles.clear();
	const q = bisectT(p, df);
	quantiles.set(key, q);
	return q;
}
const quantiles = new Map<string, number>();

function bisectT(p: number, df: number): number {
	let lo = -1e4;
	let hi = 1e4;
	for (let i = 0; i < 200 && hi - lo > 1e-11; i++) {
		const mid = (lo + hi) / 2;
		if (tCdf(mid, df) < p) lo = mid;
		else hi = mid;
	}
	return (lo + hi) / 2;
}

/** mean ± t(0.975, n − 1) × SD / √n; none when n < 2. */
export function meanCi(mean: number, sd: number | null, n: number): { low: number; high: number } | null {
	if (n < 2 || sd === null || !Number.isFinite(sd)) return null;
	const half = (tQuantile(0.975, n - 1) * sd) / Math.sqrt(n);
	return { low: mean - half, high: mean + half };
}

/** z for a two-sided 95 % interval: Φ⁻¹(0.975). */
export const Z_975 = 1.959963984540054;

/** Wilson score interval for x successes out of n (Wilson 1927). */
export function wilson(x: number, n: number, z = Z_975): { low: number; high: number } | null {
	if (n <= 0 || x < 0 || x > n) return null;
	const p = x / n;
	const z2 = z * z;
	const denom = 1 + z2 / n;
	const centre = (p + z2 / (2 * n)) / denom;
	const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
	return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/**
 * Scores are stored unrounded: a change that equals the MCID up to floating-point noise counts as
 * reaching it. The one tolerance of the responder rule (cohort SQL, rollup, dashboard, patient page).
 */
export const MCID_TOLERANCE = 1e-9;

/** A responder's change: better by at least the MCID in the scale's direction. */
export function improvedByMcid(change: number, mcid: number, higherIsBetter: boolean): boolean {
	return (higherIsBetter ? change : -change) >= mcid - MCID_TOLERANCE;
}

/**
 * n, mean, sample SD and quartiles of values given as counts (sorted by value). Quartiles
 * interpolate between order statistics exactly as PostgreSQL's percentile_cont does.
 */
export function summariseCounts(counts: { value: number; n: number }[]): {
	n: number;
	mean: number;
	sd: number | null;
	median: number;
	q1: number;
	q3: number;
} | null {
	const n = counts.reduce((a, c) => a + c.n, 0);
	if (n === 0) return null;
	const mean = counts.reduce((a, c) => a + c.n * c.value, 0) / n;
	const sd = n > 1 ? Math.sqrt(counts.reduce((a, c) => a + c.n * (c.value - mean) ** 2, 0) / (n - 1)) : null;
	// The value at 0-based position i of the sorted list.
	const at = (i: number) => {
		let seen = 0;
		for (const c of counts) {
			seen += c.n;
			if (i < seen) return c.value;
		}
		return counts[counts.length - 1]!.value;
	};
	const percentile = (p: number) => {
		const h = (n - 1) * p;
		const lo = Math.floor(h);
		const low = at(lo);
		return h === lo ? low : low + (h - lo) * (at(lo + 1) - low);
	};
	return { n, mean, sd, median: percentile(0.5), q1: percentile(0.25), q3: percentile(0.75) };
}
