import { numberedItems, pick, requireAll, sum } from './items';
import type { InstrumentDef } from './types';

const items = numberedItems(5, 0, 5, () => 'well-being', '0 at no time … 5 all of the time');

/** WHO-5 Well-Being Index (WHO 2024; Topp et al. 2015; instruments.md §4.4). */
export const who5: InstrumentDef = {
	id: 'who5',
	version: '2024',
	scoringVersion: 'who5-1',
	name: 'WHO-5 Well-Being Index',
	shortName: 'WHO-5',
	construct: 'quality_of_life',
	kind: 'items',
	items,
	scales: [
		{ key: 'raw', label: 'Raw', min: 0, max: 25, higherIsBetter: true, decimals: 0 },
		{ key: 'percentage', label: 'Percentage', min: 0, max: 100, higherIsBetter: true, decimals: 0 }
	],
	missingRule: 'All 5 items required: no proration is published (awell-score refuses incomplete forms).',
	// Topp et al. 2015: a 10-percentage-point change is treated as significant [40].
	mcid: [{ scale: 'percentage', value: 10, population: 'general (systematic review)', source: 'Topp CW et al., Psychother Psychosom 2015;84:167-76' }],
	licence: { class: 'A*', note: '© WHO 2024, CC BY-NC-SA 3.0 IGO: non-commercial use; commercial use needs WHO permission.' },
	sources: ['WHO/UCN/MSD/MHE/2024.1', 'Topp CW et al. Psychother Psychosom 2015'],
	categories: {
		// <50 suggests poor well-being; ≤28 likely depression [40].
		percentage: [
			{ label: 'likely depression', min: 0, max: 29 },
			{ label: 'poor well-being', min: 29, max: 50 },
			{ label: 'adequate', min: 50, max: 100 }
		]
	},
	score(values) {
		const incomplete = requireAll(items, values);
		if (incomplete) return incomplete;
		const raw = sum(pick(values, [1, 2, 3, 4, 5]));
		return { ok: true, scores: { raw, percentage: raw * 4 } };
	}
};
