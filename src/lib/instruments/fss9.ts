import { numberedItems, pick, requireAll, sum } from './items';
import type { InstrumentDef } from './types';

const items = numberedItems(9, 1, 7, () => 'fatigue impact', '1 disagree … 7 agree');

/** Fatigue Severity Scale, 9 items (Krupp et al., Arch Neurol 1989; instruments.md §2.1). */
export const fss9: InstrumentDef = {
	id: 'fss9',
	version: '1989',
	scoringVersion: 'fss9-1',
	name: 'Fatigue Severity Scale (FSS-9)',
	shortName: 'FSS-9',
	construct: 'fatigue',
	kind: 'items',
	items,
	scales: [
		{ key: 'mean', label: 'Mean', min: 1, max: 7, higherIsBetter: false, decimals: 2 },
		{ key: 'sum', label: 'Sum', min: 9, max: 63, higherIsBetter: false, decimals: 0 }
	],
	// The published rule is "sum of all answers divided by nine" [1]; no proration is published.
	missingRule: 'All 9 items required (published rule: sum ÷ 9); incomplete forms are refused.',
	mcid: [
		// Rooney et al. 2019, anchor-based, 365 people with MS [3].
		{ scale: 'mean', value: 0.45, population: 'multiple sclerosis (n = 365)', source: 'Rooney S et al., Mult Scler Relat Disord 2019;35:158-163' }
	],
	licence: { class: 'A*', note: 'Free for non-profit use; © L. Krupp — permission needed for pharmaceutical studies.' },
	sources: ['Krupp LB et al. Arch Neurol 1989;46:1121-3', 'NINDS CDE notice for the FSS'],
	score(values) {
		const incomplete = requireAll(items, values);
		if (incomplete) return incomplete;
		const total = sum(pick(values, items.map((i) => i.key)));
		return { ok: true, scores: { mean: total / 9, sum: total } };
	}
};
