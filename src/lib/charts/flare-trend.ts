/** The flare-rate trend chart's datasets: per condition shown, a line of the monthly rates and its 95 % band. Pure. */
import type { FlareTrend, TrendMonth } from '../safety/flare-trend';
import type { LineDataset } from './cohort';
import { styleFor, translucent } from './palette';

/** A line or band edge, styled as the cohort chart's (without its role and condition fields). */
export type TrendDataset = Omit<LineDataset, 'role' | 'condition'>;

/** The months shown (withheld ones have no point); conditions withheld whole are left out. */
export function buildFlareTrendDatasets(trend: FlareTrend[], labelOf: (condition: string) => string): TrendDataset[] {
	return trend.flatMap((t, i) => {
		if ('suppressed' in t) return [];
		const months = t.months.filter((m): m is TrendMonth => !('suppressed' in m));
		if (months.length === 0) return [];
		const style = styleFor(i);
		const shade = translucent(style.color, 0.14);
		const label = labelOf(t.condition);
		const points = (y: (m: TrendMonth) => number) => months.map((m) => ({ x: m.month, y: y(m), n: m.patients }));
		return [
			{ label: `${label} 95% CI low`, data: points((m) => m.ci_low), borderColor: 'transparent', backgroundColor: shade, borderDash: [], pointStyle: 'line', pointRadius: 0, fill: false as const },
			{ label: `${label} 95% CI`, data: points((m) => m.ci_high), borderColor: 'transparent', backgroundColor: shade, borderDash: [], pointStyle: 'line', pointRadius: 0, fill: '-1' as const },
			{ label, data: points((m) => m.per_patient_year), borderColor: style.color, backgroundColor: style.color, borderDash: [...style.dash], pointStyle: style.point, pointRadius: 4, fill: false as const }
		];
	});
}
