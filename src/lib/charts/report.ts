/** The evidence report's chart data (waterfall, baseline against follow-up), built from its JSON. Pure. */
import { improvedByMcid } from '../stats';

export const IMPROVED_COLOUR = '#0072B2';
export const WORSENED_COLOUR = '#D55E00';
export const NEUTRAL_COLOUR = '#8c959f';

export interface WaterfallBars {
	labels: string[];
	values: number[];
	colours: string[];
	/** The change that counts as improved / worsened by the threshold (null without one). */
	improvedAt: number | null;
	worsenedAt: number | null;
	improved: number;
	worsened: number;
}

/**
 * One bar per patient's change, most improved first (in the scale's direction), coloured by
 * whether it reached the threshold either way; the threshold lines sit at ±threshold with the
 * improving side first. Bars are numbered 1…n: no identifier.
 */
export function buildWaterfall(changes: readonly number[], threshold: number | null, higherIsBetter: boolean): WaterfallBars {
	const sorted = [...changes].sort((a, b) => (higherIsBetter ? b - a : a - b));
	let improved = 0;
	let worsened = 0;
	const colours = sorted.map((c) => {
		if (threshold === null) return NEUTRAL_COLOUR;
		if (improvedByMcid(c, threshold, higherIsBetter)) {
			improved++;
			return IMPROVED_COLOUR;
		}
		if (improvedByMcid(-c, threshold, higherIsBetter)) {
			worsened++;
			return WORSENED_COLOUR;
		}
		return NEUTRAL_COLOUR;
	});
	const sign = higherIsBetter ? 1 : -1;
	return {
		labels: sorted.map((_, i) => String(i + 1)),
		values: sorted,
		colours,
		improvedAt: threshold === null ? null : sign * threshold,
		worsenedAt: threshold === null ? null : -sign * threshold,
		improved,
		worsened
	};
}

/** Baseline against follow-up points, and the no-change diagonal across their range. */
export function buildPairs(points: readonly [number, number][]): { points: { x: number; y: number }[]; diagonal: { x: number; y: number }[] } {
	const all = points.flat();
	const lo = all.length ? Math.min(...all) : 0;
	const hi = all.length ? Math.max(...all) : 1;
	return {
		points: points.map(([x, y]) => ({ x, y })),
		diagonal: [
			{ x: lo, y: lo },
			{ x: hi, y: hi }
		]
	};
}
