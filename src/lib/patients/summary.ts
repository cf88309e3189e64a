/**
 * "Is this patient better?": one row per recorded instrument scale — baseline, latest, change, and
 * whether the change reaches the scale's MCID in the direction that means better. Pure: the
 * patient page and its tests use it alike.
 */
import { improvedByMcid } from '../stats';

export interface SummaryScale {
	instrumentId: string;
	scale: string;
	label: string;
	higherIsBetter: boolean;
	mcid: number | null;
	min: number;
	max: number | null;
}

export interface SummaryVisit {
	id: string;
	visitDate: string;
	voided: boolean;
	responses: { instrumentId: string; scores: Record<string, number | null> }[];
}

export type Verdict = 'improved' | 'worsened' | 'within' | 'no_mcid' | 'baseline_only';

export interface SummaryRow extends SummaryScale {
	id: string;
	baseline: { value: number; date: string };
	latest: { value: number; date: string };
	change: number;
	visits: number;
	verdict: Verdict;
	values: number[];
}

/** What each verdict says, in words and with a mark (never colour alone). */
export const VERDICT_TEXT: Record<Verdict, { mark: string; text: string }> = {
	improved: { mark: '▲', text: 'Improved by at least the MCID' },
	worsened: { mark: '▼', text: 'Worsened by at least the MCID' },
	within: { mark: '●', text: 'Changed by less than the MCID' },
	no_mcid: { mark: '–', text: 'No MCID established for this scale' },
	baseline_only: { mark: '–', text: 'Baseline only' }
};

export function verdictOf(change: number, mcid: number | null, higherIsBetter: boolean, visits: number): Verdict {
	if (visits < 2) return 'baseline_only';
	if (mcid === null) return 'no_mcid';
	if (improvedByMcid(change, mcid, higherIsBetter)) return 'improved';
	if (improvedByMcid(change, mcid, !higherIsBetter)) return 'worsened';
	return 'within';
}

/**
 * Rows in the order of `scales` (the registry's), for scales with at least one value at a live
 * visit. Baseline = the first live visit with a value, latest = the last (visits ordered by date,
 * as given).
 */
export function summarise(visits: SummaryVisit[], scales: SummaryScale[]): SummaryRow[] {
	const live = visits.filter((v) => !v.voided).sort((a, b) => (a.visitDate < b.visitDate ? -1 : a.visitDate > b.visitDate ? 1 : 0));
	const rows: SummaryRow[] = [];
	for (const s of scales) {
		const points = live.flatMap((v) => {
			const value = v.responses.find((r) => r.instrumentId === s.instrumentId)?.scores[s.scale];
			return value === null || value === undefined ? [] : [{ value, date: v.visitDate }];
		});
		const first = points[0];
		const last = points.at(-1);
		if (!first || !last) continue;
		const change = last.value - first.value;
		rows.push({
			...s,
			id: `${s.instrumentId}-${s.scale}`,
			baseline: first,
			latest: last,
			change,
			visits: points.length,
			verdict: verdictOf(change, s.mcid, s.higherIsBetter, points.length),
			values: points.map((p) => p.value)
		});
	}
	return rows;
}
