/**
 * Rates with exact intervals, and the time windows the safety figures count in. Pure: used by
 * the server's figures, the pages and the tests alike.
 */
import gammaQuantile from '@stdlib/stats-base-dists-gamma-quantile';
import { wilson } from '../stats';

export { wilson };

export interface Interval {
	low: number;
	high: number;
}

/**
 * The exact (Garwood 1936) two-sided interval for a Poisson count x: the lower limit is the α/2
 * quantile of Gamma(x, 1) (0 when x = 0), the upper the 1 − α/2 quantile of Gamma(x + 1, 1) —
 * the same as ½χ²(α/2; 2x) and ½χ²(1 − α/2; 2x + 2). Gamma quantiles from stdlib.
 */
export function poissonCi(count: number, level = 0.95): Interval | null {
	if (!Number.isInteger(count) || count < 0 || !(level > 0 && level < 1)) return null;
	const alpha = 1 - level;
	return {
		low: count === 0 ? 0 : gammaQuantile(alpha / 2, count, 1),
		high: gammaQuantile(1 - alpha / 2, count + 1, 1)
	};
}

/** count / exposure × per, with the exact Poisson interval scaled alike; null without exposure. */
export function rateWithCi(count: number, exposure: number, per = 1): ({ rate: number } & Interval) | null {
	const ci = poissonCi(count);
	if (!ci || !(exposure > 0)) return null;
	const scale = per / exposure;
	return { rate: count * scale, low: ci.low * scale, high: ci.high * scale };
}

/** Flare rates compare the first 12 weeks of treatment with the time after. */
export const EARLY_DAYS = 84;
export const DAYS_PER_YEAR = 365.25;

const dayNumber = (date: string) => Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) / 86_400_000;

/** Whole days from `from` to `to` (YYYY-MM-DD). */
export function daysBetween(from: string, to: string): number {
	return dayNumber(to) - dayNumber(from);
}

/**
 * A patient's observed time, from their baseline (first live visit) to their last live visit,
 * split at 12 weeks: days in [baseline, baseline + 84) and in [baseline + 84, last visit].
 */
export function splitFollowUp(baseline: string, lastVisit: string): { early: number; later: number } {
	const total = Math.max(0, daysBetween(baseline, lastVisit));
	return { early: Math.min(total, EARLY_DAYS), later: Math.max(0, total - EARLY_DAYS) };
}

/** Which window a flare that began on `onset` counts in, or null when outside the observed time. */
export function flareWindow(onset: string, baseline: string, lastVisit: string): 'early' | 'later' | null {
	const day = daysBetween(baseline, onset);
	if (day < 0 || onset > lastVisit) return null;
	return day < EARLY_DAYS ? 'early' : 'later';
}

export interface DatedVisit {
	id: string;
	visitDate: string;
}
export interface Episode {
	onsetOn: string;
	/** null: ongoing. */
	endedOn: string | null;
}

/**
 * "Flare since the last visit", derived from the episodes: for each visit (live ones, any order),
 * whether an episode was going on at some time after the previous visit, up to this one — it
 * began on or before this visit's date and had not ended by the previous visit's date (the
 * first visit looks back without limit).
 */
export function flareSinceLastVisit(visits: DatedVisit[], episodes: Episode[]): Map<string, boolean> {
	const sorted = [...visits].sort((a, b) => (a.visitDate < b.visitDate ? -1 : a.visitDate > b.visitDate ? 1 : 0));
	const out = new Map<string, boolean>();
	sorted.forEach((visit, i) => {
		const previous = i > 0 ? sorted[i - 1]!.visitDate : null;
		out.set(
			visit.id,
			episodes.some((e) => e.onsetOn <= visit.visitDate && (previous === null || e.endedOn === null || e.endedOn > previous))
		);
	});
	return out;
}
