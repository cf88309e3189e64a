/** Cohort chart datasets from the cohort statistics (one line and band per condition). Pure. */
import { styleFor, translucent } from './palette';

export interface CohortPoint {
	x: number;
	n: number;
	mean: number;
	ci_low: number | null;
	ci_high: number | null;
	median: number;
	q1: number;
	q3: number;
}

export interface CohortSeries {
	condition: string;
	label: string;
	points: CohortPoint[];
}

export interface LineDataset {
	label: string;
	role: 'centre' | 'low' | 'high';
	condition: string;
	data: { x: number; y: number; n: number }[];
	borderColor: string;
	backgroundColor: string;
	borderDash: number[];
	pointStyle: string;
	pointRadius: number;
	fill: false | '-1';
}

/**
 * Centre = mean (band: 95 % CI) or median (band: IQR). Points without an interval get no band.
 * `styleIndexOf` keeps a condition's colour and marker when it is drawn in a panel of its own.
 */
export function buildCohortDatasets(series: CohortSeries[], statistic: 'mean' | 'median', styleIndexOf: (i: number) => number = (i) => i): LineDataset[] {
	const out: LineDataset[] = [];
	series.forEach((s, i) => {
		if (s.points.length === 0) return;
		const style = styleFor(styleIndexOf(i));
		const shade = translucent(style.color, 0.14);
		const centre = (p: CohortPoint) => (statistic === 'mean' ? p.mean : p.median);
		const low = (p: CohortPoint) => (statistic === 'mean' ? p.ci_low : p.q1);
		const high = (p: CohortPoint) => (statistic === 'mean' ? p.ci_high : p.q3);
		const withBand = s.points.filter((p) => low(p) !== null && high(p) !== null);
		const bandName = statistic === 'mean' ? '95% CI' : 'IQR';
		out.push(
			{ label: `${s.label} ${bandName} low`, role: 'low', condition: s.condition, data: withBand.map((p) => ({ x: p.x, y: low(p)!, n: p.n })), borderColor: 'transparent', backgroundColor: shade, borderDash: [], pointStyle: 'line', pointRadius: 0, fill: false },
			{ label: `${s.label} ${bandName}`, role: 'high', condition: s.condition, data: withBand.map((p) => ({ x: p.x, y: high(p)!, n: p.n })), borderColor: 'transparent', backgroundColor: shade, borderDash: [], pointStyle: 'line', pointRadius: 0, fill: '-1' },
			{ label: s.label, role: 'centre', condition: s.condition, data: s.points.map((p) => ({ x: p.x, y: centre(p), n: p.n })), borderColor: style.color, backgroundColor: style.color, borderDash: [...style.dash], pointStyle: style.point, pointRadius: 4, fill: false }
		);
	});
	return out;
}

export interface ResponderInput {
	condition: string;
	label: string;
	row: { n: number; responders: number; rate: number; ci_low: number; ci_high: number } | { suppressed: true };
}

/** Rates in percent with their intervals; suppressed rows are left out (and listed in words). */
export function buildResponderBars(rows: ResponderInput[]) {
	const shown = rows.filter((r): r is ResponderInput & { row: { n: number; responders: number; rate: number; ci_low: number; ci_high: number } } => !('suppressed' in r.row));
	return {
		labels: shown.map((r) => r.label),
		rates: shown.map((r) => r.row.rate * 100),
		intervals: shown.map((r) => [r.row.ci_low * 100, r.row.ci_high * 100] as [number, number]),
		colors: shown.map((_, i) => styleFor(i).color),
		suppressed: rows.filter((r) => 'suppressed' in r.row).map((r) => r.label)
	};
}

/** CSV of the aggregated table (aggregates only, never patient rows), after the given comment lines. */
export function aggregatesCsv(series: CohortSeries[], xLabel: string, comments: string[] = []): string {
	const header = ['condition', xLabel, 'n', 'mean', 'ci_low', 'ci_high', 'median', 'q1', 'q3'];
	const cell = (v: number | null) => (v === null ? '' : String(v));
	const lines = [...comments, header.join(',')];
	for (const s of series) {
		for (const p of s.points) {
			lines.push([s.condition, p.x, p.n, p.mean, p.ci_low, p.ci_high, p.median, p.q1, p.q3].map((v) => (typeof v === 'string' ? v : cell(v))).join(','));
		}
	}
	return lines.join('\r\n') + '\r\n';
}
