import { requireAll, sum } from './items';
import type { InstrumentDef, ItemDef } from './types';

// Harvey-Bradshaw Index (Harvey & Bradshaw, Lancet 1980; instruments.md §6.4, confirmed) [50].
const items: ItemDef[] = [
	{ key: 'wellbeing', label: 'General well-being', min: 0, max: 4, step: 1, codes: '0 very well … 4 terrible' },
	{ key: 'abdominal_pain', label: 'Abdominal pain', min: 0, max: 3, step: 1, codes: '0 none … 3 severe' },
	{ key: 'liquid_stools', label: 'Liquid stools per day', min: 0, max: 50, step: 1, codes: 'count' },
	{ key: 'abdominal_mass', label: 'Abdominal mass', min: 0, max: 3, step: 1, codes: '0 none · 1 dubious · 2 definite · 3 tender' },
	{ key: 'complications', label: 'Complications', min: 0, max: 8, step: 1, codes: 'count of 8 listed' }
];

export const hbi: InstrumentDef = {
	id: 'hbi',
	version: '1980',
	scoringVersion: 'hbi-1',
	name: 'Harvey-Bradshaw Index (Crohn’s disease)',
	shortName: 'HBI',
	construct: 'disease_activity',
	kind: 'items',
	items,
	// No fixed maximum: liquid stools are a count (the form caps entry at 50).
	scales: [{ key: 'score', label: 'HBI', min: 0, max: null, higherIsBetter: false, decimals: 0 }],
	missingRule: 'All five components required (a sum with no published missing rule).',
	// A fall of ≥3 points is the usual response definition (unconfirmed in instruments.md).
	mcid: [{ scale: 'score', value: 3, population: 'Crohn’s disease (usual response definition, unconfirmed)', source: 'instruments.md §6.4' }],
	licence: { class: 'A', note: 'Published clinical index (1980).' },
	sources: ['Harvey RF, Bradshaw JM. Lancet 1980', 'Crohn’s & Colitis Canada / digestive dashboard summaries'],
	// <5 remission, 5–7 mild, 8–16 moderate, >16 severe [50].
	categories: {
		score: [
			{ label: 'remission', min: 0, max: 5 },
			{ label: 'mild', min: 5, max: 8 },
			{ label: 'moderate', min: 8, max: 17 },
			{ label: 'severe', min: 17, max: Number.MAX_SAFE_INTEGER }
		]
	},
	score(values) {
		return requireAll(items, values) ?? { ok: true, scores: { score: sum(items.map((i) => values[i.key] as number)) } };
	}
};
