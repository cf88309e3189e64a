import { requireAll } from './items';
import type { CategoryBand, InstrumentDef, ItemDef } from './types';

// DAS28 formulas (camcops das28.rst; instruments.md §6.3, confirmed) [49]:
//   ESR: 0.56·√TJC28 + 0.28·√SJC28 + 0.70·ln(ESR) + 0.014·GH
//   CRP: 0.56·√TJC28 + 0.28·√SJC28 + 0.36·ln(CRP + 1) + 0.014·GH + 0.96
// Bands: <2.6 remission, 2.6–3.2 low, >3.2–5.1 moderate, >5.1 high [49]. The CRP and ESR
// cut-offs are not interchangeable (Fleischmann 2017); the same published bands are shown for both.
const BANDS: CategoryBand[] = [
	{ label: 'remission', min: 0, max: 2.6 },
	{ label: 'low', min: 2.6, max: 3.2000001 },
	{ label: 'moderate', min: 3.2000001, max: 5.1000001 },
	{ label: 'high', min: 5.1000001, max: 10 }
];

const joints = (key: string, label: string): ItemDef => ({ key, label, min: 0, max: 28, step: 1, codes: '0–28 joints' });
const globalItem: ItemDef = { key: 'patient_global', label: 'Patient global', min: 0, max: 100, step: 0.1, unit: 'mm', codes: '0–100' };
const esrItems: ItemDef[] = [
	joints('tjc28', 'Tender joints (28)'),
	joints('sjc28', 'Swollen joints (28)'),
	// ESR is log-transformed: it must be at least 1 mm/h.
	{ key: 'esr', label: 'ESR', min: 1, max: 200, step: 0.1, unit: 'mm/h', codes: '1–200' },
	globalItem
];
const crpItems: ItemDef[] = [
	joints('tjc28', 'Tender joints (28)'),
	joints('sjc28', 'Swollen joints (28)'),
	// CRP in mg/L: a value in mg/dL would understate the score tenfold.
	{ key: 'crp', label: 'CRP', min: 0, max: 500, step: 0.1, unit: 'mg/L', codes: '0–500' },
	globalItem
];

const common = {
	version: '1995',
	construct: 'disease_activity' as const,
	kind: 'items' as const,
	missingRule: 'All four components required (a composite formula has no missing-item rule).',
	// Ward et al. 2015: MCII −1.2 (DAS28-ESR, RA) [31].
	mcid: [{ scale: 'score', value: 1.2, population: 'rheumatoid arthritis', source: 'Ward MM et al., Ann Rheum Dis 2015;74:1691-6' }],
	licence: { class: 'A' as const, note: 'Published formula with clinician-entered inputs.' },
	sources: ['Prevoo MLL et al. Arthritis Rheum 1995', 'camcops DAS28 documentation (formulas, Fleischmann 2017)'],
	categories: { score: BANDS }
};

export const das28Esr: InstrumentDef = {
	...common,
	id: 'das28_esr',
	scoringVersion: 'das28_esr-1',
	name: 'Disease Activity Score 28 (ESR)',
	shortName: 'DAS28-ESR',
	items: esrItems,
	scales: [{ key: 'score', label: 'DAS28-ESR', min: 0, max: 10, higherIsBetter: false, decimals: 2 }],
	score(v) {
		const incomplete = requireAll(esrItems, v);
		if (incomplete) return incomplete;
		const { tjc28, sjc28, esr, patient_global } = v as Record<string, number>;
		return { ok: true, scores: { score: 0.56 * Math.sqrt(tjc28!) + 0.28 * Math.sqrt(sjc28!) + 0.7 * Math.log(esr!) + 0.014 * patient_global! } };
	}
};

export const das28Crp: InstrumentDef = {
	...common,
	id: 'das28_crp',
	scoringVersion: 'das28_crp-1',
	name: 'Disease Activity Score 28 (CRP)',
	shortName: 'DAS28-CRP',
	items: crpItems,
	scales: [{ key: 'score', label: 'DAS28-CRP', min: 0.96, max: 10, higherIsBetter: false, decimals: 2 }],
	score(v) {
		const incomplete = requireAll(crpItems, v);
		if (incomplete) return incomplete;
		const { tjc28, sjc28, crp, patient_global } = v as Record<string, number>;
		return {
			ok: true,
			scores: { score: 0.56 * Math.sqrt(tjc28!) + 0.28 * Math.sqrt(sjc28!) + 0.36 * Math.log(crp! + 1) + 0.014 * patient_global! + 0.96 }
		};
	}
};
