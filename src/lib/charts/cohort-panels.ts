/**
 * How the cohort trend is laid out: up to three conditions share one panel; more are drawn as
 * small multiples, one panel per condition on one shared y axis (nine overlapping bands cannot be
 * read). Pure: the page turns each panel into a chart.
 */
import type { CohortPoint, CohortSeries } from './cohort';

/** More conditions than this and each gets a panel of its own. */
export const MAX_SERIES_PER_PANEL = 3;

export interface CohortPanel<S extends CohortSeries = CohortSeries> {
	/** The series drawn in this panel, each with its place in the whole list (its colour and marker). */
	series: { series: S; styleIndex: number }[];
	/** A panel of its own names its condition; the shared panel is named by its legend. */
	title: string | null;
}

/** Conditions with no drawable point get no panel (the table says why). */
export function cohortPanels<S extends CohortSeries>(series: S[]): CohortPanel<S>[] {
	const drawn = series.map((s, styleIndex) => ({ series: s, styleIndex })).filter((s) => s.series.points.length > 0);
	if (drawn.length === 0) return [];
	if (drawn.length <= MAX_SERIES_PER_PANEL) return [{ series: drawn, title: null }];
	return drawn.map((s) => ({ series: [s], title: s.series.label }));
}

/** A step of 1, 2 or 5 × 10^k that cuts the span into about `ticks` parts. */
export function niceStep(span: number, ticks = 5): number {
	if (!(span > 0)) return 1;
	const raw = span / ticks;
	const power = 10 ** Math.floor(Math.log10(raw));
	const unit = raw / power;
	return (unit <= 1 ? 1 : unit <= 2 ? 2 : unit <= 5 ? 5 : 10) * power;
}

/**
 * One y range for every panel: from the lowest to the highest value any panel draws (centre line
 * and band), widened to whole steps, so that panels side by side compare by eye. Also the x range,
 * so that visit 3 sits in the same place in every panel.
 */
export function sharedRanges(series: CohortSeries[], statistic: 'mean' | 'median') {
	const ys: number[] = [];
	const xs: number[] = [];
	for (const s of series) {
		for (const p of s.points) {
			xs.push(p.x);
			for (const v of valuesDrawn(p, statistic)) if (v !== null && Number.isFinite(v)) ys.push(v);
		}
	}
	if (ys.length === 0) return null;
	let low = Math.min(...ys);
	let high = Math.max(...ys);
	if (low === high) {
		low -= 1;
		high += 1;
	}
	const step = niceStep(high - low);
	return {
		y: { min: Math.floor(low / step) * step, max: Math.ceil(high / step) * step },
		x: { min: Math.min(...xs), max: Math.max(...xs) }
	};
}

function valuesDrawn(p: CohortPoint, statistic: 'mean' | 'median'): (number | null)[] {
	return statistic === 'mean' ? [p.mean, p.ci_low, p.ci_high] : [p.median, p.q1, p.q3];
}

/** Height of the count strip under the x axis: one row of n per condition in the panel. */
export const COUNT_ROW_HEIGHT = 14;
export function countStripHeight(rows: number): number {
	return rows === 0 ? 0 : rows * COUNT_ROW_HEIGHT + 6;
}
