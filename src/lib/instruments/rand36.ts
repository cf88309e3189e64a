import type { InstrumentDef, ItemDef } from './types';

// RAND 36-Item Health Survey 1.0 scoring instructions [35], as in awell-score [37] (§4.2, confirmed).
// Step 1: precoded answer → 0–100, every item ending with higher = better.
const RECODE: [number[], number[]][] = [
	[[1, 2, 20, 22, 34, 36], [100, 75, 50, 25, 0]],
	[[3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [0, 50, 100]],
	[[13, 14, 15, 16, 17, 18, 19], [0, 100]],
	[[21, 23, 26, 27, 30], [100, 80, 60, 40, 20, 0]],
	[[24, 25, 28, 29, 31], [0, 20, 40, 60, 80, 100]],
	[[32, 33, 35], [0, 25, 50, 75, 100]]
];
const recodeOf = new Map<number, number[]>();
for (const [itemNumbers, table] of RECODE) for (const n of itemNumbers) recodeOf.set(n, table);

// Step 2: each scale is the mean of its recoded items. Item 2 belongs to no scale.
const SCALES: [string, string, number[]][] = [
	['physical_functioning', 'Physical functioning', [3, 4, 5, 6, 7, 8, 9, 10, 11, 12]],
	['role_physical', 'Role limitations (physical)', [13, 14, 15, 16]],
	['role_emotional', 'Role limitations (emotional)', [17, 18, 19]],
	['energy_fatigue', 'Energy / fatigue', [23, 27, 29, 31]],
	['emotional_wellbeing', 'Emotional well-being', [24, 25, 26, 28, 30]],
	['social_functioning', 'Social functioning', [20, 32]],
	['pain', 'Pain', [21, 22]],
	['general_health', 'General health', [1, 33, 34, 35, 36]]
];
const scaleOf = (n: number) => SCALES.find(([, , ns]) => ns.includes(n))?.[1] ?? 'health change';

const items: ItemDef[] = Array.from({ length: 36 }, (_, i) => {
	const n = i + 1;
	const max = recodeOf.get(n)!.length;
	return { key: String(n), label: `Item ${n} · ${scaleOf(n).toLowerCase()}`, min: 1, max, step: 1, codes: `1–${max}` };
});

export const rand36: InstrumentDef = {
	id: 'rand36',
	version: '1.0',
	scoringVersion: 'rand36-1',
	name: 'RAND 36-Item Health Survey 1.0',
	shortName: 'RAND-36',
	construct: 'quality_of_life',
	kind: 'items',
	items,
	scales: SCALES.map(([key, label]) => ({ key, label, min: 0, max: 100, higherIsBetter: true, decimals: 1 })),
	missingRule: 'Published RAND rule: each scale is the mean of its answered items; a scale with no answered item is not scorable.',
	// No MCID verified for autoimmune populations (instruments.md §4.2).
	mcid: [],
	licence: { class: 'A', note: 'RAND surveys are public documents; must not be called “SF-36”.' },
	sources: ['RAND 36-Item Short Form Survey scoring instructions', 'Hays RD et al. Health Econ 1993'],
	score(values) {
		const scores: Record<string, number | null> = {};
		for (const [key, , itemNumbers] of SCALES) {
			const recoded = itemNumbers
				.map((n) => values[String(n)])
				.map((v, idx) => (v === null || v === undefined ? null : recodeOf.get(itemNumbers[idx]!)![v - 1]!))
				.filter((v): v is number => v !== null);
			scores[key] = recoded.length === 0 ? null : recoded.reduce((a, b) => a + b, 0) / recoded.length;
		}
		if (Object.values(scores).every((v) => v === null)) {
			return { ok: false, errors: [{ message: 'No item of any scale is answered.' }] };
		}
		return { ok: true, scores };
	}
};
