import { describe, expect, it } from 'vitest';
import { categoryFor, getInstrument, INSTRUMENTS, roundHalfUp, scoreResponse } from '../../../src/lib/instruments';

const items = (n: number, v: number | ((i: number) => number)) =>
	Object.fromEntries(Array.from({ length: n }, (_, i) => [String(i + 1), typeof v === 'function' ? v(i + 1) : v]));
const ok = (id: string, answers: Record<string, number | null | undefined>) => {
	const r = scoreResponse(id, answers);
	if (!r.ok) throw new Error(JSON.stringify(r.errors));
	return r.scores;
};
const errorItems = (id: string, answers: Record<string, number | null | undefined>) => {
	const r = scoreResponse(id, answers);
	expect(r.ok).toBe(false);
	return r.ok ? [] : r.errors.map((e) => e.item);
};

describe('FSS-9', () => {
	it('mean and sum: 48 / 9 = 5.33 (instruments.md §8)', () => {
		const s = ok('fss9', { 1: 5, 2: 5, 3: 5, 4: 5, 5: 5, 6: 5, 7: 6, 8: 6, 9: 6 });
		expect(s.sum).toBe(48);
		expect(roundHalfUp(s.mean!, 2)).toBe(5.33);
	});
	it('boundaries 1 and 7', () => {
		expect(ok('fss9', items(9, 1))).toEqual({ mean: 1, sum: 9 });
		expect(ok('fss9', items(9, 7))).toEqual({ mean: 7, sum: 63 });
	});
	it('refuses a missing item, 0, 8, a fraction and an unknown key, naming the items', () => {
		expect(errorItems('fss9', { ...items(9, 4), 5: null })).toEqual(['5']);
		expect(errorItems('fss9', { ...items(9, 4), 2: 0, 3: 8, 4: 4.5 })).toEqual(['2', '3', '4']);
		expect(errorItems('fss9', { ...items(9, 4), 10: 4 })).toEqual(['10']);
		expect(errorItems('fss9', { ...items(9, 4), 1: Number.NaN })).toEqual(['1']);
	});
});

describe('MFIS', () => {
	it('MFIS-21 subscales: physical 24, cognitive 23, psychosocial 3, total 50', () => {
		// Physical items 4,6,7,10,13,14,17,20,21 (9 items); cognitive 1,2,3,5,11,12,15,16,18,19; psychosocial 8,9.
		const a: Record<string, number> = {};
		for (const n of [4, 6, 7, 10, 13, 14]) a[n] = 3;
		for (const n of [17, 20, 21]) a[n] = 2;
		Object.assign(a, { 1: 4, 2: 4, 3: 4, 5: 3, 11: 2, 12: 2, 15: 1, 16: 1, 18: 1, 19: 1, 8: 2, 9: 1 });
		const s = ok('mfis21', a);
		expect(s).toEqual({ physical: 24, cognitive: 23, psychosocial: 3, total: 50 });
		expect(s.total).toBe(50);
	});
	it('bounds 0–84 and refusal of incomplete forms', () => {
		expect(ok('mfis21', items(21, 0)).total).toBe(0);
		expect(ok('mfis21', items(21, 4))).toEqual({ physical: 36, cognitive: 40, psychosocial: 8, total: 84 });
		expect(errorItems('mfis21', { ...items(21, 2), 21: undefined })).toEqual(['21']);
	});
	it('MFIS-5 sums its five items 0–20', () => {
		expect(ok('mfis5', { 1: 4, 2: 3, 3: 2, 4: 1, 5: 0 })).toEqual({ total: 10 });
		expect(ok('mfis5', items(5, 4))).toEqual({ total: 20 });
		expect(errorItems('mfis5', { ...items(5, 1), 3: 5 })).toEqual(['3']);
	});
});

describe('pain scales', () => {
	it('NRS: integers 0–10; 6.5 and 11 refused', () => {
		expect(ok('pain_nrs', { pain: 0 })).toEqual({ score: 0 });
		expect(ok('pain_nrs', { pain: 10 })).toEqual({ score: 10 });
		expect(errorItems('pain_nrs', { pain: 6.5 })).toEqual(['pain']);
		expect(errorItems('pain_nrs', { pain: 11 })).toEqual(['pain']);
		expect(errorItems('pain_nrs', {})).toEqual(['pain']);
	});
	it('VAS: 0–100 mm with one decimal', () => {
		expect(ok('pain_vas', { pain: 42.5 })).toEqual({ score: 42.5 });
		expect(ok('pain_vas', { pain: 100 })).toEqual({ score: 100 });
		expect(errorItems('pain_vas', { pain: 42.55 })).toEqual(['pain']);
		expect(errorItems('pain_vas', { pain: -0.1 })).toEqual(['pain']);
	});
});

describe('WHO-5', () => {
	it('raw 10 → 40 %', () => {
		expect(ok('who5', { 1: 2, 2: 2, 3: 2, 4: 2, 5: 2 })).toEqual({ raw: 10, percentage: 40 });
		expect(ok('who5', items(5, 5))).toEqual({ raw: 25, percentage: 100 });
		expect(categoryFor('who5', 'percentage', 28)).toBe('likely depression');
		expect(categoryFor('who5', 'percentage', 48)).toBe('poor well-being');
	});
	it('refuses a missing item and a 6', () => {
		expect(errorItems('who5', { 1: 2, 2: 2, 3: 2, 4: 2 })).toEqual(['5']);
		expect(errorItems('who5', { ...items(5, 2), 4: 6 })).toEqual(['4']);
	});
});

describe('RAND-36', () => {
	const all = (v: (n: number) => number) => items(36, v);
	it('recodes every item to 0–100 and averages each scale', () => {
		const best = ok('rand36', all((n) => ([1, 2, 20, 22, 34, 36, 21, 23, 26, 27, 30].includes(n) ? 1 : getInstrument('rand36')!.items[n - 1]!.max)));
		for (const v of Object.values(best)) expect(v).toBe(100);
		const worst = ok('rand36', all((n) => ([1, 2, 20, 22, 34, 36, 21, 23, 26, 27, 30].includes(n) ? getInstrument('rand36')!.items[n - 1]!.max : 1)));
		for (const v of Object.values(worst)) expect(v).toBe(0);
	});
	it('mixed answers, worked by hand', () => {
		const a = all(() => 2);
		// PF: items 3–12 code 2 → 50 each → 50. RP 13–16 code 2 → 100. RE 17–19 → 100.
		// EF: 23,27 (2 → 80), 29,31 (2 → 20) → 50. EWB: 24,25,28 (2 → 20), 26,30 (2 → 80) → 44.
		// SF: 20 (2 → 75), 32 (2 → 25) → 50. Pain: 21 (2 → 80), 22 (2 → 75) → 77.5.
		// GH: 1,34,36 (2 → 75), 33,35 (2 → 25) → 55.
		expect(ok('rand36', a)).toEqual({
			physical_functioning: 50,
			role_physical: 100,
			role_emotional: 100,
			energy_fatigue: 50,
			emotional_wellbeing: 44,
			social_functioning: 50,
			pain: 77.5,
			general_health: 55
		});
	});
	it('averages the answered items; a scale with none is null', () => {
		const a = { ...all(() => 2), 3: 3, 4: null, 21: null, 22: null } as Record<string, number | null>;
		const s = ok('rand36', a);
		// PF: item 3 → 100, items 5–12 → 50 (8 items) → (100 + 400) / 9.
		expect(s.physical_functioning).toBeCloseTo(500 / 9, 10);
		expect(s.pain).toBeNull();
		expect(errorItems('rand36', { ...all(() => 2), 13: 3 })).toEqual(['13']);
	});
});

describe('PROMIS Global-10 v1.2', () => {
	const base = { global01: 3, global02: 4, global03: 3, global04: 4, global05: 4, global06: 4, global07r: 2, global08r: 3, global09r: 3, global10r: 4 };
	it('recodes pain at its boundaries', () => {
		// GPH raw = 3 + 4 + recode(pain) + 3, so the recode is GPH raw − 10.
		const recodePain = (pain: number) => ok('promis_gh10', { ...base, global07r: pain }).gph_raw! - 10;
		expect([0, 1, 3, 4, 6, 7, 9, 10].map(recodePain)).toEqual([5, 4, 4, 3, 3, 2, 2, 1]);
	});
	it('GPH and GMH raw and T', () => {
		// GPH = 3 + 4 + recode(2)=4 + 3 = 14 → 44.9; GMH = 4 + 4 + 4 + 4 = 16 → 53.3.
		expect(ok('promis_gh10', base)).toEqual({ gph_raw: 14, gph_t: 44.9, gmh_raw: 16, gmh_t: 53.3 });
	});
	it('extremes use the table ends (GMH raw 4 = 21.2)', () => {
		const worst = { ...base, global02: 1, global03: 1, global04: 1, global05: 1, global06: 1, global07r: 10, global08r: 1, global10r: 1 };
		expect(ok('promis_gh10', worst)).toEqual({ gph_raw: 4, gph_t: 16.2, gmh_raw: 4, gmh_t: 21.2 });
	});
	it('GPH is null when global08r is missing; GMH still 53.3', () => {
		expect(ok('promis_gh10', { ...base, global08r: null })).toEqual({ gph_raw: null, gph_t: null, gmh_raw: 16, gmh_t: 53.3 });
	});
	it('refuses when neither summary is scorable, and out-of-range pain', () => {
		expect(scoreResponse('promis_gh10', { ...base, global03: null, global02: null }).ok).toBe(false);
		expect(errorItems('promis_gh10', { ...base, global07r: 11 })).toEqual(['global07r']);
	});
});

describe('DAS28', () => {
	it('ESR(4,3,24,50) = 4.53 and CRP(4,3,10,50) = 4.13 (instruments.md §8)', () => {
		const esr = ok('das28_esr', { tjc28: 4, sjc28: 3, esr: 24, patient_global: 50 }).score!;
		const crp = ok('das28_crp', { tjc28: 4, sjc28: 3, crp: 10, patient_global: 50 }).score!;
		expect(roundHalfUp(esr, 2)).toBe(4.53);
		expect(roundHalfUp(crp, 2)).toBe(4.13);
		expect(categoryFor('das28_esr', 'score', esr)).toBe('moderate');
	});
	it('bands at their published edges', () => {
		expect(categoryFor('das28_esr', 'score', 2.59)).toBe('remission');
		expect(categoryFor('das28_esr', 'score', 2.6)).toBe('low');
		expect(categoryFor('das28_esr', 'score', 3.2)).toBe('low');
		expect(categoryFor('das28_esr', 'score', 3.21)).toBe('moderate');
		expect(categoryFor('das28_esr', 'score', 5.1)).toBe('moderate');
		expect(categoryFor('das28_esr', 'score', 5.11)).toBe('high');
	});
	it('refuses ESR 0 (log), 29 joints and a missing component', () => {
		expect(errorItems('das28_esr', { tjc28: 4, sjc28: 3, esr: 0, patient_global: 50 })).toEqual(['esr']);
		expect(errorItems('das28_crp', { tjc28: 29, sjc28: 3, crp: 10, patient_global: 50 })).toEqual(['tjc28']);
		expect(errorItems('das28_crp', { tjc28: 2, sjc28: 3, patient_global: 50 })).toEqual(['crp']);
	});
});

describe('HBI', () => {
	it('sums the components: 5 mild, 15 moderate, 23 severe', () => {
		const hbi = (w: number, p: number, s: number, m: number, c: number) =>
			ok('hbi', { wellbeing: w, abdominal_pain: p, liquid_stools: s, abdominal_mass: m, complications: c }).score!;
		expect(hbi(1, 1, 2, 0, 1)).toBe(5);
		expect(categoryFor('hbi', 'score', 5)).toBe('mild');
		expect(categoryFor('hbi', 'score', 4)).toBe('remission');
		expect(categoryFor('hbi', 'score', hbi(2, 2, 8, 1, 2))).toBe('moderate');
		expect(categoryFor('hbi', 'score', hbi(4, 3, 12, 2, 2))).toBe('severe');
		expect(errorItems('hbi', { wellbeing: 5, abdominal_pain: 1, liquid_stools: 2, abdominal_mass: 0, complications: 9 })).toEqual([
			'wellbeing',
			'complications'
		]);
	});
});

describe('score-only instruments', () => {
	it('check the range and keep the value', () => {
		expect(ok('haq_di', { score: 1.375 })).toEqual({ score: 1.375 });
		expect(errorItems('haq_di', { score: 3.1 })).toEqual(['score']);
		expect(ok('eq5d5l_index', { score: -0.59 })).toEqual({ score: -0.59 });
		expect(errorItems('sledai_2k', { score: 4.5 })).toEqual(['score']);
	});
});

describe('the registry', () => {
	it('refuses an unknown instrument', () => {
		expect(scoreResponse('sf36', {})).toEqual({ ok: false, errors: [{ message: 'Unknown instrument “sf36”.' }] });
	});
	it('holds complete definitions with short labels of our own (no item wording)', () => {
		for (const def of INSTRUMENTS) {
			expect(def.id).toMatch(/^[a-z0-9_]+$/);
			expect(def.version && def.scoringVersion && def.licence.note && def.sources.length).toBeTruthy();
			for (const m of def.mcid) {
				expect(def.scales.map((s) => s.key)).toContain(m.scale);
				expect(m.population.length).toBeGreaterThan(3);
			}
			for (const item of def.items) expect(item.label.length, `${def.id} ${item.key}`).toBeLessThanOrEqual(40);
		}
	});
});

describe('rounding for display', () => {
	it('rounds half up, without banker’s rounding or float artefacts', () => {
		expect(roundHalfUp(65.625, 2)).toBe(65.63);
		expect(roundHalfUp(1.005, 2)).toBe(1.01);
		expect(roundHalfUp(2.5, 0)).toBe(3);
		expect(roundHalfUp(0.125, 2)).toBe(0.13);
		expect(roundHalfUp(-1.5, 0)).toBe(-2);
		expect(roundHalfUp(48 / 9, 2)).toBe(5.33);
	});
});

describe('stress and mood instruments (docs/instruments.md)', () => {
	const items = (n: number, v: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [String(i + 1), v]));
	it('PSS-10 reverses items 4, 5, 7 and 8 (Cohen 1983)', () => {
		expect(ok('pss10', items(10, 0))).toEqual({ total: 16 });
		expect(ok('pss10', { 1: 3, 2: 2, 3: 4, 4: 1, 5: 2, 6: 3, 7: 0, 8: 1, 9: 2, 10: 3 })).toEqual({ total: 29 });
		expect(errorItems('pss10', { ...items(10, 1), 10: null })).toEqual(['10']);
	});
	it('GAD-7, PHQ-9 and PHQ-4 are sums with the published bands (Spitzer 2006, Kroenke 2001, 2009)', () => {
		expect(ok('gad7', { 1: 1, 2: 2, 3: 0, 4: 3, 5: 1, 6: 2, 7: 1 })).toEqual({ total: 10 });
		expect(categoryFor('gad7', 'total', 10)).toBe('moderate');
		expect(ok('phq9', items(9, 3))).toEqual({ total: 27 });
		expect(categoryFor('phq9', 'total', 27)).toBe('severe');
		expect(categoryFor('phq9', 'total', 19)).toBe('moderately severe');
		expect(ok('phq4', { 1: 2, 2: 1, 3: 0, 4: 3 })).toEqual({ total: 6, anxiety: 3, depression: 3 });
		expect(categoryFor('phq4', 'anxiety', 3)).toBe('screen positive');
		expect(errorItems('phq9', { ...items(9, 1), 4: 4 })).toEqual(['4']);
	});
});
