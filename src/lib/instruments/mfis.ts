import { numberedItems, pick, requireAll, sum } from './items';
import type { InstrumentDef } from './types';

// MFIS subscales (NINDS CDE; awell-score; MDApp — instruments.md §2.2, confirmed).
const PHYSICAL = [4, 6, 7, 10, 13, 14, 17, 20, 21];
const COGNITIVE = [1, 2, 3, 5, 11, 12, 15, 16, 18, 19];
const PSYCHOSOCIAL = [8, 9];
/** MFIS-5 = MFIS-21 items 1, 9, 10, 17, 19, in that order [8][9]. */
export const MFIS5_SOURCE_ITEMS = [1, 9, 10, 17, 19];

const domainOf = (n: number) =>
	PHYSICAL.includes(n) ? 'physical' : COGNITIVE.includes(n) ? 'cognitive' : 'psychosocial';
const CODES = '0 never … 4 almost always';
const mfis21Items = numberedItems(21, 0, 4, domainOf, CODES);
const mfis5Items = numberedItems(5, 0, 4, (n) => domainOf(MFIS5_SOURCE_ITEMS[n - 1]!), CODES);

const LOCAL_RULE =
	'All items required. No published missing-item rule was found (MSQLI manual); refusing incomplete forms is our documented local choice.';
const LICENCE = { class: 'A*' as const, note: 'Described as free to use; the MSQLI manual is © National MS Society — ask NMSS before shipping text.' };
const SOURCES = ['NINDS CDE — Modified Fatigue Impact Scale', 'MSQLI: A User’s Manual, National MS Society 1997'];

export const mfis21: InstrumentDef = {
	id: 'mfis21',
	version: 'MSQLI-1997',
	scoringVersion: 'mfis21-1',
	name: 'Modified Fatigue Impact Scale (MFIS-21)',
	shortName: 'MFIS-21',
	construct: 'fatigue',
	kind: 'items',
	items: mfis21Items,
	scales: [
		{ key: 'physical', label: 'Physical', min: 0, max: 36, higherIsBetter: false, decimals: 0 },
		{ key: 'cognitive', label: 'Cognitive', min: 0, max: 40, higherIsBetter: false, decimals: 0 },
		{ key: 'psychosocial', label: 'Psychosocial', min: 0, max: 8, higherIsBetter: false, decimals: 0 },
		{ key: 'total', label: 'Total', min: 0, max: 84, higherIsBetter: false, decimals: 0 }
	],
	missingRule: LOCAL_RULE,
	// Rooney et al. 2019: about 4 points on the total (range 3.86–8.11), MS [3].
	mcid: [{ scale: 'total', value: 4, population: 'multiple sclerosis (n = 365)', source: 'Rooney S et al., Mult Scler Relat Disord 2019' }],
	licence: LICENCE,
	sources: SOURCES,
	score(values) {
		const incomplete = requireAll(mfis21Items, values);
		if (incomplete) return incomplete;
		const physical = sum(pick(values, PHYSICAL));
		const cognitive = sum(pick(values, COGNITIVE));
		const psychosocial = sum(pick(values, PSYCHOSOCIAL));
		return { ok: true, scores: { physical, cognitive, psychosocial, total: physical + cognitive + psychosocial } };
	}
};

export const mfis5: InstrumentDef = {
	id: 'mfis5',
	version: 'MSQLI-1997',
	scoringVersion: 'mfis5-1',
	name: 'Modified Fatigue Impact Scale, 5-item (MFIS-5)',
	shortName: 'MFIS-5',
	construct: 'fatigue',
	kind: 'items',
	items: mfis5Items,
	scales: [{ key: 'total', label: 'Total', min: 0, max: 20, higherIsBetter: false, decimals: 0 }],
	missingRule: LOCAL_RULE,
	mcid: [],
	licence: LICENCE,
	sources: [...SOURCES, 'Meca-Lallana V et al. 2019 (MFIS-5 psychometrics)'],
	score(values) {
		const incomplete = requireAll(mfis5Items, values);
		if (incomplete) return incomplete;
		return { ok: true, scores: { total: sum(pick(values, [1, 2, 3, 4, 5])) } };
	}
};
