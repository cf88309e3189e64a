/**
 * A chart.js plugin that writes n under each point of a cohort chart, in a thin strip below the x
 * axis: one row per condition, marked with the condition's line, so a reader sees at a glance how
 * many patients stand behind each point (the tooltip says it too). The chart leaves room for the
 * strip with `layout.padding.bottom = countStripHeight(rows)`.
 */
import type { Chart, Plugin } from 'chart.js';
import { COUNT_ROW_HEIGHT, countStripHeight } from './cohort-panels';

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
			// The row's key: a short stretch of the condition's line, then "n".
			ctx.strokeStyle = typeof d.borderColor === 'string' ? d.borderColor : '#333';
			ctx.lineWidth = 2;
			ctx.setLineDash(d.borderDash ?? []);
			ctx.beginPath();
			ctx.moveTo(chartArea.left - 38, y + 6);
			ctx.lineTo(chartArea.left - 22, y + 6);
			ctx.stroke();
			ctx.setLineDash([]);
			ctx.fillStyle = '#333';
			ctx.textAlign = 'right';
			ctx.fillText('n', chartArea.left - 10, y);
			ctx.textAlign = 'center';
			for (const p of d.data as { x: number; n: number }[]) {
				const px = x.getPixelForValue(p.x);
				if (px >= chartArea.left - 1 && px <= chartArea.right + 1) ctx.fillText(String(p.n), px, y);
			}
		});
		ctx.restore();
	}
};
