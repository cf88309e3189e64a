/** chart.js is loaded in the browser only, with just the parts the charts use (tree-shaken). */
import type { Chart as ChartType } from 'chart.js';

let loading: Promise<typeof ChartType> | undefined;

export function loadChart(): Promise<typeof ChartType> {
	loading ??= import('chart.js').then((m) => {
		m.Chart.register(
			m.LineController,
			m.BarController,
			m.ScatterController,
			m.LineElement,
			m.PointElement,
			m.BarElement,
			m.LinearScale,
			m.CategoryScale,
			m.Filler,
			m.Legend,
			m.Tooltip
		);
		return m.Chart;
	});
	return loading;
}
