/**
 * A chart.js plugin that writes n under each point of a cohort chart, in a thin strip below the x
 * axis: one row per condition, marked with the condition's line, so a reader sees at a glance how
 * many patients stand behind each point (the tooltip says it too). The chart leaves room for the
 * strip with `layout.padding.bottom = countStripHeight(rows)`.
 */
import type { Chart, Plugin } from 'chart.js';
import { COUNT_ROW_HEIGHT, countStripHeight } from './cohort-panels';

/**
 * Every how many points a count is written, so that neighbours never touch: 1 while the widest
 * count (plus a 4 px gap) fits between two points, else the fewest that fits. A walk-through found
 * three-digit counts run together ("n148142133…") in a panel of 24 visits; the tooltip and the
 * table below give every n.
 */
export function labelStep(gap: number, widest: number): number {
	if (!(gap > 0)) return 1;
	return Math.max(1, Math.ceil((widest + 4) / gap));
}

type CountedDataset = { role?: string; borderColor?: unknown; borderDash?: number[]; data: unknown[] };

export const countStrip: Plugin = {
	id: 'countStrip',
	afterDraw(chart: Chart) {
		const rows = (chart.data.datasets as unknown as CountedDataset[]).filter((d) => d.role === 'centre');
		const x = chart.scales.x;
		if (rows.length === 0 || !x) return;
		const { ctx, chartArea } = chart;
		const top = chart.height - countStripHeight(rows.length) + 4;
		ctx.save();
		ctx.strokeStyle = '#d0d0d0';
		ctx.lineWidth = 1;
		ctx.beginPath();
		ctx.moveTo(chartArea.left, top - 2.5);
		ctx.lineTo(chartArea.right, top - 2.5);
		ctx.stroke();
		ctx.font = '11px system-ui, sans-serif';
		ctx.textBaseline = 'top';
		rows.forEach((d, i) => {
			const y = top + i * COUNT_ROW_HEIGHT;
			const points = (d.data as { x: number; n: number }[])
				.map((p) => ({ px: x.getPixelForValue(p.x), n: p.n }))
				.filter((p) => p.px >= chartArea.left - 1 && p.px <= chartArea.right + 1);
			// The key ends left of the first count, which is centred on the axis's start ("n2077" ran together).
			const first = points[0];
			const shift = first ? Math.max(0, ctx.measureText(String(first.n)).width / 2 + 4 - (first.px - chartArea.left) - 10) : 0;
			// The row's key: a short stretch of the condition's line, then "n".
			ctx.strokeStyle = typeof d.borderColor === 'string' ? d.borderColor : '#333';
			ctx.lineWidth = 2;
			ctx.setLineDash(d.borderDash ?? []);
			ctx.beginPath();
			ctx.moveTo(chartArea.left - 38 - shift, y + 6);
			ctx.lineTo(chartArea.left - 22 - shift, y + 6);
			ctx.stroke();
			ctx.setLineDash([]);
			ctx.fillStyle = '#333';
			ctx.textAlign = 'right';
			ctx.fillText('n', chartArea.left - 10 - shift, y);
			ctx.textAlign = 'center';
			let gap = Infinity;
			for (let j = 1; j < points.length; j++) gap = Math.min(gap, points[j]!.px - points[j - 1]!.px);
			const step = labelStep(gap, Math.max(0, ...points.map((p) => ctx.measureText(String(p.n)).width)));
			points.forEach((p, j) => {
				if (j % step === 0) ctx.fillText(String(p.n), p.px, y);
			});
		});
		ctx.restore();
	}
};
