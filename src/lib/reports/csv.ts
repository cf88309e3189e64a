/**
 * The report's aggregates as CSV (one row per outcome × population, then the flow): what
 * the page's "Download CSV" gives. Aggregates only, never a patient's row; withheld cells empty
 * with `withheld` set. The Holm-adjusted p-value belongs to the population the plan's primary
 * analysis uses (the family Holm adjusts): it is written on that row only, empty on the other.
 */
import type { EvidenceReport, PrimaryPopulation, Result } from './types';

const HEADER = [
	'section', 'instrument', 'scale', 'population', 'withheld', 'n', 'baseline_mean', 'followup_mean', 'change_mean', 'change_sd', 'ci_low', 'ci_high',
	'p_value', 'p_holm', 'dz', 'dz_ci_low', 'dz_ci_high', 'wilcoxon_p', 'improved_n', 'improved_rate', 'improved_ci_low', 'improved_ci_high',
	'worsened_n', 'worsened_rate', 'worsened_ci_low', 'worsened_ci_high'
];

const cell = (v: unknown) => (v === null || v === undefined ? '' : String(v));

function resultCells(r: Result, pHolm: number | null | undefined): unknown[] {
	if ('suppressed' in r) return ['yes', ...Array(HEADER.length - 5).fill(null)];
	return [
		'no', r.n, r.baseline_mean, r.followup_mean, r.change_mean, r.change_sd, r.ci_low, r.ci_high, r.p_value, pHolm, r.dz, r.dz_ci_low, r.dz_ci_high, r.wilcoxon_p,
		r.improved?.n, r.improved?.rate, r.improved?.ci_low, r.improved?.ci_high, r.worsened?.n, r.worsened?.rate, r.worsened?.ci_low, r.worsened?.ci_high
	];
}

export function reportCsv(report: EvidenceReport, primaryPopulation: PrimaryPopulation): string {
	const lines = [HEADER.join(',')];
	const outcomes = [
		{ section: 'primary', o: report.primary, pHolm: undefined as number | null | undefined },
		...report.secondary.map((o) => ({ section: 'secondary', o, pHolm: o.p_holm }))
	];
	for (const { section, o, pHolm } of outcomes) {
		for (const population of ['completers', 'carried_forward'] as const) {
			lines.push([section, o.instrument, o.scale, population, ...resultCells(o[population], population === primaryPopulation ? pHolm : null)].map(cell).join(','));
		}
	}
	lines.push('');
	lines.push('flow_step,n');
	const f = report.flow;
	for (const [step, n] of [['enrolled', report.detail.enrolled], ['eligible', f.eligible], ['with_baseline', f.with_baseline], ['reached_timepoint', f.reached_timepoint], ['with_followup', f.with_followup]] as const) {
		lines.push(`${step},${n === null ? 'withheld' : n}`);
	}
	return lines.join('\r\n') + '\r\n';
}
