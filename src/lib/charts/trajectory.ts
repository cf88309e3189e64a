/**
 * One patient's trajectory on one scale: the data for the chart and its table. Pure.
 * x = days since the first plotted visit (a linear axis labelled with dates, so spacing is true).
 */
import { styleFor, translucent } from './palette';

export interface TrajectoryVisit {
	/** The visit's id: the table's rows key on it (two visits may share a date, voided or not). */
	visitId: string;
	visitDate: string;
	value: number;
	flare: 'yes' | 'no' | 'unknown';
	sessions: number;
}

export interface TrajectoryInput {
	label: string;
	unitLabel: string;
	higherIsBetter: boolean;
	mcid: number | null;
	visits: TrajectoryVisit[];
}

const DAY = 86_400_000;
export const dayNumber = (iso: string) => Math.round(Date.parse(`${iso}T00:00:00Z`) / DAY);
export const dateOfDay = (day: number) => new Date(day * DAY).toISOString().slice(0, 10);

export interface Point {
	x: number;
	y: number;
}

export interface TrajectoryData {
	points: (Point & { id: string; date: string; flare: string; sessions: number })[];
	baseline: number | null;
	band: { low: number; high: number } | null;
	direction: string;
	datasets: {
		label: string;
		data: Point[];
		kind: 'line' | 'baseline' | 'band-low' | 'band-high' | 'flare';
		borderColor: string;
		backgroundColor: string;
		borderDash: number[];
		pointStyle: string;
		pointRadius: number;
		fill: false | '-1';
		showLine: boolean;
	}[];
}

export function buildTrajectory(input: TrajectoryInput): TrajectoryData {
	const sorted = [...input.visits].sort((a, b) => (a.visitDate < b.visitDate ? -1 : a.visitDate > b.visitDate ? 1 : 0));
	const points = sorted.map((v) => ({ id: v.visitId, x: dayNumber(v.visitDate), y: v.value, date: v.visitDate, flare: v.flare, sessions: v.sessions }));
	const baseline = points[0]?.y ?? null;
	const band = baseline !== null && input.mcid !== null ? { low: baseline - input.mcid, high: baseline + input.mcid } : null;
	const first = points[0]?.x ?? 0;
	const last = points.at(-1)?.x ?? first;
	const span = (y: number) => [{ x: first, y }, { x: last, y }];
	const main = styleFor(0);
	const datasets: TrajectoryData['datasets'] = [
		{ label: input.label, data: points.map(({ x, y }) => ({ x, y })), kind: 'line', borderColor: main.color, backgroundColor: main.color, borderDash: [], pointStyle: 'circle', pointRadius: 4, fill: false, showLine: true }
	];
	if (baseline !== null) {
		datasets.push({ label: 'Baseline', data: span(baseline), kind: 'baseline', borderColor: '#555555', backgroundColor: '#555555', borderDash: [6, 4], pointStyle: 'line', pointRadius: 0, fill: false, showLine: true });
	}
	if (band) {
		const shade = translucent('#009E73', 0.15);
		datasets.push(
			{ label: 'Baseline − MCID', data: span(band.low), kind: 'band-low', borderColor: 'transparent', backgroundColor: shade, borderDash: [], pointStyle: 'line', pointRadius: 0, fill: false, showLine: true },
			{ label: 'Baseline ± MCID', data: span(band.high), kind: 'band-high', borderColor: 'transparent', backgroundColor: shade, borderDash: [], pointStyle: 'line', pointRadius: 0, fill: '-1', showLine: true }
		);
	}
	const flares = points.filter((p) => p.flare === 'yes').map(({ x, y }) => ({ x, y }));
	if (flares.length > 0) {
		datasets.push({ label: 'Flare reported', data: flares, kind: 'flare', borderColor: '#D55E00', backgroundColor: '#D55E00', borderDash: [], pointStyle: 'triangle', pointRadius: 9, fill: false, showLine: false });
	}
	return {
		points,
		baseline,
		band,
		direction: input.higherIsBetter ? 'higher is better' : 'lower is better',
		datasets
	};
}
