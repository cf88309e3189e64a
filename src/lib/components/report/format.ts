/** Number formatting for the report's components. Pure. */
import { roundHalfUp } from '../../instruments/rounding';

/** A number to `d` decimals (half up), or an en dash when absent. */
export function fmt(v: number | null | undefined, d = 2): string {
	if (v === null || v === undefined || !Number.isFinite(v)) return '–';
	return roundHalfUp(v, d).toFixed(d);
}

/** A p-value as reviewers read it: 3 decimals, "< 0.001" below. */
export function fmtP(p: number | null | undefined): string {
	if (p === null || p === undefined || !Number.isFinite(p)) return '–';
	return p < 0.001 ? '< 0.001' : roundHalfUp(p, 3).toFixed(3);
}

/** A share in percent with its interval. */
export function fmtShare(s: { n: number; rate: number; ci_low: number; ci_high: number } | null): string {
	if (!s) return 'no threshold';
	return `${s.n} (${fmt(s.rate * 100, 1)} %; ${fmt(s.ci_low * 100, 1)} to ${fmt(s.ci_high * 100, 1)})`;
}

/** A count, or the withheld label. */
export function fmtCount(n: number | null, k: number): string {
	return n === null ? `withheld (n < ${k})` : String(n);
}

/** An instant (ISO 8601) as the versions table shows it: "2026-12-06 21:07 UTC". */
export function fmtInstant(iso: string): string {
	const d = new Date(iso);
	return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
