import { describe, expect, it } from 'vitest';
import { aggregatesCsv, buildCohortDatasets, buildResponderBars } from '../../src/lib/charts/cohort';
import { buildTrajectory, dateOfDay, dayNumber } from '../../src/lib/charts/trajectory';
import { SERIES_STYLES, styleFor } from '../../src/lib/charts/palette';

describe('trajectory datasets', () => {
	const input = {
		label: 'FSS-9 Mean',
		unitLabel: '1–7',
		higherIsBetter: false,
		mcid: 0.45,
		visits: [
			{ visitId: 'b', visitDate: '2025-01-15', value: 5, flare: 'yes' as const, sessions: 2 },
			{ visitId: 'a', visitDate: '2025-01-01', value: 6, flare: 'no' as const, sessions: 0 },
			{ visitId: 'c', visitDate: '2025-02-01', value: 4.5, flare: 'unknown' as const, sessions: 3 }
		]
	};
	it('orders by date, takes the first value as baseline and draws the MCID band around it', () => {
		const t = buildTrajectory(input);
		expect(t.points.map((p) => p.date)).toEqual(['2025-01-01', '2025-01-15', '2025-02-01']);
		expect(t.baseline).toBe(6);
		expect(t.band).toEqual({ low: 5.55, high: 6.45 });
		expect(t.direction).toBe('lower is better');
		expect(t.datasets.map((d) => d.kind)).toEqual(['line', 'baseline', 'band-low', 'band-high', 'flare']);
		expect(t.datasets.find((d) => d.kind === 'flare')!.data).toEqual([{ x: dayNumber('2025-01-15'), y: 5 }]);
		expect(t.points[1]!.x - t.points[0]!.x).toBe(14);
	});
	it('has no band without an MCID and no flare markers without flares', () => {
		const t = buildTrajectory({ ...input, mcid: null, higherIsBetter: true, visits: [input.visits[1]!] });
		expect(t.band).toBeNull();
		expect(t.direction).toBe('higher is better');
		expect(t.datasets.map((d) => d.kind)).toEqual(['line', 'baseline']);
	});
	it('converts days and dates both ways', () => {
		expect(dateOfDay(dayNumber('2026-03-29'))).toBe('2026-03-29');
	});
});

describe('cohort datasets', () => {
	const series = [
		{ condition: 'ms', label: 'MS', points: [{ x: 1, n: 6, mean: 5, ci_low: 4, ci_high: 6, median: 5, q1: 4.5, q3: 5.5 }, { x: 2, n: 5, mean: 4, ci_low: 3, ci_high: 5, median: 4, q1: 3.5, q3: 4.5 }] },
		{ condition: 'ra', label: 'RA', points: [{ x: 1, n: 7, mean: 3, ci_low: null, ci_high: null, median: 3, q1: 2, q3: 4 }] },
		{ condition: 'sle', label: 'SLE', points: [] }
	];
	it('draws a band and a line per condition, distinct in dash and marker as well as colour', () => {
		const ds = buildCohortDatasets(series, 'mean');
		expect(ds.map((d) => `${d.condition}:${d.role}`)).toEqual(['ms:low', 'ms:high', 'ms:centre', 'ra:low', 'ra:high', 'ra:centre']);
		expect(ds[2]!.data).toEqual([{ x: 1, y: 5, n: 6 }, { x: 2, y: 4, n: 5 }]);
		expect(ds[1]!.fill).toBe('-1');
		expect(ds[3]!.data).toEqual([]); // no interval when n < 2 or SD missing
		expect(ds[2]!.pointStyle).not.toBe(ds[5]!.pointStyle);
		expect(ds[2]!.borderDash).not.toEqual(ds[5]!.borderDash);
		expect(new Set(SERIES_STYLES.map((s) => s.point)).size).toBe(SERIES_STYLES.length);
	});
	it('gives every one of 64 series its own look, past the eight hues', () => {
		// Found by a walk-through: with nine conditions, the first and the ninth were drawn alike.
		const looks = Array.from({ length: 64 }, (_, i) => JSON.stringify(styleFor(i)));
		expect(new Set(looks).size).toBe(64);
		expect(styleFor(8).dash).not.toEqual(styleFor(0).dash);
		expect(styleFor(8).point).not.toBe(styleFor(0).point);
		expect(styleFor(3)).toEqual(SERIES_STYLES[3]);
	});
	it('uses the median and IQR when asked', () => {
		const ds = buildCohortDatasets(series, 'median');
		expect(ds[0]!.data[0]!.y).toBe(4.5);
		expect(ds[1]!.data[0]!.y).toBe(5.5);
		expect(ds[1]!.label).toBe('MS IQR');
	});
	it('leaves suppressed responder rows out of the chart and names them', () => {
		const bars = buildResponderBars([
			{ condition: 'ms', label: 'MS', row: { n: 10, responders: 4, rate: 0.4, ci_low: 0.168, ci_high: 0.687 } },
			{ condition: 'ra', label: 'RA', row: { suppressed: true } }
		]);
		expect(bars.labels).toEqual(['MS']);
		expect(bars.rates).toEqual([40]);
		expect(bars.intervals[0]![0]).toBeCloseTo(16.8, 10);
		expect(bars.suppressed).toEqual(['RA']);
	});
	it('exports only aggregates as CSV', () => {
		const csv = aggregatesCsv(series, 'visit');
		expect(csv.split('\r\n')[0]).toBe('condition,visit,n,mean,ci_low,ci_high,median,q1,q3');
		expect(csv).toContain('ra,1,7,3,,,3,2,4');
		expect(csv.trim().split('\r\n')).toHaveLength(4);
	});
});
