import type { InstrumentDef, ItemDef } from './types';

// PROMIS Global Health v1.2 (instruments.md §4.1). All 1–5 items: 5 = best in v1.2 [19].
// Global07r (pain 0–10) recode: 0 → 5; 1–3 → 4; 4–6 → 3; 7–9 → 2; 10 → 1 [15][17][18].
export function recodePain(pain: number): number {
	if (pain === 0) return 5;
	if (pain <= 3) return 4;
	if (pain <= 6) return 3;
	if (pain <= 9) return 2;
	return 1;
}

// Raw (4–20) → T, Hays et al. 2009 [15][16] as used by CHOIR [17] and awell-score [18].
// GMH raw 4 = 21.2 (the 2009 document prints 21.1; production implementations use 21.2).
const GPH_T = [16.2, 19.9, 23.5, 26.7, 29.6, 32.4, 34.9, 37.4, 39.8, 42.3, 44.9, 47.7, 50.8, 54.1, 57.7, 61.9, 67.7];
const GMH_T = [21.2, 25.1, 28.4, 31.3, 33.8, 36.3, 38.8, 41.1, 43.5, 45.8, 48.3, 50.8, 53.3, 56.0, 59.0, 62.5, 67.6];

const GPH_ITEMS = ['global03', 'global06', 'global07r', 'global08r'];
const GMH_ITEMS = ['global02', 'global04', 'global05', 'global10r'];

const five = (key: string, domain: string): ItemDef => ({ key, label: `${key} · ${domain}`, min: 1, max: 5, step: 1, codes: '1 worst … 5 best' });
const items: ItemDef[] = [
	five('global01', 'general health'),
	five('global02', 'quality of life'),
	five('global03', 'physical health'),
	five('global04', 'mental health'),
	five('global05', 'social satisfaction'),
	five('global06', 'physical function'),
	{ key: 'global07r', label: 'global07r · pain', min: 0, max: 10, step: 1, codes: '0 none … 10 worst' },
	five('global08r', 'fatigue'),
	five('global09r', 'social roles'),
	five('global10r', 'emotional problems')
];

function summary(values: Record<string, number | null>, keys: string[]): number | null {
	let raw = 0;
	for (const key of keys) {
		const v = values[key];
		if (v === null || v === undefined) return null;
		raw += key === 'global07r' ? recodePain(v) : v;
	}
	return raw;
}

export const promisGh10: InstrumentDef = {
	id: 'promis_gh10',
	version: '1.2',
	scoringVersion: 'promis_gh10-v1.2-hays2009',
	name: 'PROMIS Global Health (Global-10) v1.2',
	shortName: 'PROMIS GH-10',
	construct: 'quality_of_life',
	kind: 'items',
	items,
	scales: [
		{ key: 'gph_raw', label: 'Physical health (raw)', min: 4, max: 20, higherIsBetter: true, decimals: 0 },
		{ key: 'gph_t', label: 'Physical health (T)', min: 16.2, max: 67.7, higherIsBetter: true, decimals: 1 },
		{ key: 'gmh_raw', label: 'Mental health (raw)', min: 4, max: 20, higherIsBetter: true, decimals: 0 },
		{ key: 'gmh_t', label: 'Mental health (T)', min: 21.2, max: 67.6, higherIsBetter: true, decimals: 1 }
	],
	missingRule:
		'Published rule: the raw-to-T table holds only when all four items of a summary are answered; each summary is scored independently.',
	mcid: [
		// General PROMIS range 2–6 T (Terwee et al. 2021) [20]; not verified for Global-10 itself.
		{ scale: 'gph_t', value: 5, population: 'general PROMIS range 2–6 T (not Global-10 specific)', source: 'Terwee CB et al., Qual Life Res 2021' },
		{ scale: 'gmh_t', value: 5, population: 'general PROMIS range 2–6 T (not Global-10 specific)', source: 'Terwee CB et al., Qual Life Res 2021' }
	],
	licence: { class: 'B', note: 'Free for clinical use; HealthMeasures permission needed before item text is embedded.' },
	sources: ['Hays RD et al. 2009 raw-to-T working documents', 'HealthMeasures scoring instructions', 'Stanford CHOIR GlobalHealthScore'],
	score(values) {
		const gph = summary(values, GPH_ITEMS);
		const gmh = summary(values, GMH_ITEMS);
		if (gph === null && gmh === null) {
			const missing = [...GPH_ITEMS, ...GMH_ITEMS].filter((k) => values[k] === null);
			return { ok: false, errors: missing.map((k) => ({ item: k, message: `${k}: answer missing (needed for a summary score).` })) };
		}
		return {
			ok: true,
			scores: {
				gph_raw: gph,
				gph_t: gph === null ? null : GPH_T[gph - 4]!,
				gmh_raw: gmh,
				gmh_t: gmh === null ? null : GMH_T[gmh - 4]!
			}
		};
	}
};
