import { requireAll } from './items';
import type { Construct, InstrumentDef, Mcid } from './types';

/**
 * Licensed instruments that the clinic scores with its own licensed tools: only the total is
 * entered, its range checked. The app holds no item text or scoring for these.
 */
function scoreOnly(o: {
	id: string;
	name: string;
	shortName: string;
	construct: Construct;
	min: number;
	max: number;
	step: number;
	higherIsBetter: boolean;
	decimals: number;
	licence: InstrumentDef['licence'];
	mcid?: Mcid[];
	sources: string[];
	unit?: string;
}): InstrumentDef {
	const items = [{ key: 'score', label: `${o.shortName} score`, min: o.min, max: o.max, step: o.step, unit: o.unit, codes: `${o.min}–${o.max}` }];
	return {
		id: o.id,
		version: 'score-only',
		scoringVersion: `${o.id}-entered`,
		name: o.name,
		shortName: o.shortName,
		construct: o.construct,
		kind: 'score_only',
		items,
		scales: [{ key: 'score', label: o.shortName, min: o.min, max: o.max, higherIsBetter: o.higherIsBetter, decimals: o.decimals }],
		missingRule: 'The score as computed by the clinic’s licensed tool; required.',
		mcid: o.mcid ?? [],
		licence: o.licence,
		sources: o.sources,
		score: (values) => requireAll(items, values) ?? { ok: true, scores: { score: values.score as number } }
	};
}

export const SCORE_ONLY: InstrumentDef[] = [
	scoreOnly({
		id: 'haq_di', name: 'HAQ Disability Index (score only)', shortName: 'HAQ-DI', construct: 'disease_activity',
		min: 0, max: 3, step: 0.001, higherIsBetter: false, decimals: 3,
		licence: { class: 'B', note: 'Stanford copyright; permission process.' },
		// Ward et al. 2015: MCII −0.375 (RA) [31].
		mcid: [{ scale: 'score', value: 0.375, population: 'rheumatoid arthritis', source: 'Ward MM et al., Ann Rheum Dis 2015' }],
		sources: ['Bruce B, Fries JF. HQLO 2003;1:20']
	}),
	scoreOnly({
		id: 'facit_fatigue', name: 'FACIT-Fatigue (score only)', shortName: 'FACIT-F', construct: 'fatigue',
		min: 0, max: 52, step: 0.001, higherIsBetter: true, decimals: 1,
		licence: { class: 'B', note: 'FACIT.org licence; wording may not be changed.' },
		// Cella et al. 2005: 3–4 points in RA [26].
		mcid: [{ scale: 'score', value: 3, population: 'rheumatoid arthritis', source: 'Cella D et al., J Rheumatol 2005;32:811-9' }],
		sources: ['Cella D et al. J Rheumatol 2005']
	}),
	scoreOnly({
		id: 'promis_fatigue_t', name: 'PROMIS Fatigue T-score (score only)', shortName: 'PROMIS Fatigue', construct: 'fatigue',
		min: 20, max: 90, step: 0.1, higherIsBetter: false, decimals: 1,
		licence: { class: 'B', note: 'HealthMeasures permission needed before embedding.' },
		mcid: [{ scale: 'score', value: 5, population: 'general PROMIS range 2–6 T', source: 'Terwee CB et al., Qual Life Res 2021' }],
		sources: ['HealthMeasures PROMIS Fatigue scoring manual']
	}),
	scoreOnly({
		id: 'sledai_2k', name: 'SLEDAI-2K (score only)', shortName: 'SLEDAI-2K', construct: 'disease_activity',
		min: 0, max: 105, step: 1, higherIsBetter: false, decimals: 0,
		licence: { class: 'C', note: 'Clinician-scored index; enter the total from the rheumatologist.' },
		sources: ['Gladman DD et al. J Rheumatol 2002']
	}),
	scoreOnly({
		id: 'eq5d5l_index', name: 'EQ-5D-5L index (score only)', shortName: 'EQ-5D-5L index', construct: 'quality_of_life',
		min: -0.6, max: 1, step: 0.001, higherIsBetter: true, decimals: 3,
		licence: { class: 'C', note: 'EuroQol consent needed; the index depends on the national value set used.' },
		sources: ['EuroQol Research Foundation']
	}),
	scoreOnly({
		id: 'eq5d_vas', name: 'EQ VAS (score only)', shortName: 'EQ VAS', construct: 'quality_of_life',
		min: 0, max: 100, step: 1, higherIsBetter: true, decimals: 0,
		licence: { class: 'C', note: 'EuroQol consent needed.' },
		sources: ['EuroQol Research Foundation']
	})
];
