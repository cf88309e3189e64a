import { requireAll } from './items';
import type { InstrumentDef } from './types';

const nrsItems = [{ key: 'pain', label: 'Pain intensity', min: 0, max: 10, step: 1, codes: '0 none … 10 worst' }];
const vasItems = [{ key: 'pain', label: 'Pain intensity', min: 0, max: 100, step: 0.1, unit: 'mm', codes: '0–100' }];

/** Generic 11-point numeric rating scale (no owner; instruments.md §3.1). */
export const painNrs: InstrumentDef = {
	id: 'pain_nrs',
	version: '0-10',
	scoringVersion: 'pain_nrs-1',
	name: 'Pain numeric rating scale (NRS 0–10)',
	shortName: 'Pain NRS',
	construct: 'pain',
	kind: 'items',
	items: nrsItems,
	scales: [{ key: 'score', label: 'Pain', min: 0, max: 10, higherIsBetter: false, decimals: 0 }],
	missingRule: 'A single item: required.',
	mcid: [
		// Farrar et al. 2001: ~2 points or ~30 % in chronic-pain trials [28].
		{ scale: 'score', value: 2, population: 'chronic pain trials', source: 'Farrar JT et al., Pain 2001;94:149-58' }
	],
	licence: { class: 'A', note: 'Generic format with no owner.' },
	sources: ['Farrar JT et al. Pain 2001;94:149-58', 'Salaffi F et al. Eur J Pain 2004'],
	score(values) {
		return requireAll(nrsItems, values) ?? { ok: true, scores: { score: values.pain as number } };
	}
};

/** Generic 100 mm visual analogue scale (instruments.md §3.2). */
export const painVas: InstrumentDef = {
	id: 'pain_vas',
	version: '100mm',
	scoringVersion: 'pain_vas-1',
	name: 'Pain visual analogue scale (VAS 0–100 mm)',
	shortName: 'Pain VAS',
	construct: 'pain',
	kind: 'items',
	items: vasItems,
	scales: [{ key: 'score', label: 'Pain', min: 0, max: 100, higherIsBetter: false, decimals: 1 }],
	missingRule: 'A single item: required.',
	mcid: [
		// Ward et al. 2015: MCII −20 mm in RA (specificity 0.8) [31].
		{ scale: 'score', value: 20, population: 'rheumatoid arthritis', source: 'Ward MM et al., Ann Rheum Dis 2015;74:1691-6' }
	],
	licence: { class: 'A', note: 'Generic format with no owner.' },
	sources: ['Ward MM et al. Ann Rheum Dis 2015', 'Wolfe F, Michaud K. J Rheumatol 2007'],
	score(values) {
		return requireAll(vasItems, values) ?? { ok: true, scores: { score: values.pain as number } };
	}
};
