/**
 * Scores against the published rules (instruments.md), written out here independently of the
 * modules: sums, means, recodes and formulas for every instrument; the direction in which each
 * item moves its scales; and display rounding.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getInstrument, INSTRUMENTS, roundHalfUp, scoreResponse, type InstrumentDef } from '../../../src/lib/instruments';
import { answerAt, answersWithGaps, completeAnswers, unitsOf } from './arbitraries';

const RUNS = 100;
type Given = Record<string, number | null | undefined>;
type Expected = Record<string, number | null>;

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const total = (a: Given, keys: (string | number)[]) => keys.reduce<number>((t, k) => t + (a[String(k)] as number), 0);
const answered = (a: Given, k: string | number) => typeof a[String(k)] === 'number';

// RAND-36 §4.2. Step 1: precoded 1…n maps linearly onto 0–100; these items run from best to worst.
const RAND_DESCENDING = [1, 2, 20, 22, 34, 36, 21, 23, 26, 27, 30];
// "Valid precoded ranges": 3–12 are 1–3, 13–19 are 1–2, 21 and 23–31 are 1–6, the rest 1–5.
const randCodes = (n: number) => (n >= 3 && n <= 12 ? 3 : n >= 13 && n <= 19 ? 2 : n === 21 || (n >= 23 && n <= 31) ? 6 : 5);
const randRecode = (n: number, k: number) => (RAND_DESCENDING.includes(n) ? (100 * (randCodes(n) - k)) / (randCodes(n) - 1) : (100 * (k - 1)) / (randCodes(n) - 1));
const RAND_SCALES: Record<string, number[]> = {
	physical_functioning: range(3, 12),
	role_physical: range(13, 16),
	role_emotional: range(17, 19),
	energy_fatigue: [23, 27, 29, 31],
	emotional_wellbeing: [24, 25, 26, 28, 30],
	social_functioning: [20, 32],
	pain: [21, 22],
	general_health: [1, 33, 34, 35, 36]
};

// PROMIS Global-10 v1.2 §4.1: pain 0 → 5; 1–3 → 4; 4–6 → 3; 7–9 → 2; 10 → 1; summaries are raw sums.
const promisPain = (p: number) => (p === 0 ? 5 : p <= 3 ? 4 : p <= 6 ? 3 : p <= 9 ? 2 : 1);
const GPH = ['global03', 'global06', 'global07r', 'global08r'];
const GMH = ['global02', 'global04', 'global05', 'global10r'];
const promisRaw = (a: Given, keys: string[]) =>
	keys.every((k) => answered(a, k)) ? keys.reduce((t, k) => t + (k === 'global07r' ? promisPain(a[k]!) : a[k]!), 0) : null;

const das28Joints = (a: Given) => 0.56 * Math.sqrt(a.tjc28!) + 0.28 * Math.sqrt(a.sjc28!) + 0.014 * a.patient_global!;

/** The published rule per instrument, for a form the rule can score. */
const PUBLISHED: Record<string, (a: Given) => Expected> = {
	// §2.1: mean of the 9 items (sum ÷ 9), also reported as the sum.
	fss9: (a) => ({ mean: total(a, range(1, 9)) / 9, sum: total(a, range(1, 9)) }),
	// §2.2: subscale sums over the published item lists; total = all 21.
	mfis21: (a) => ({
		physical: total(a, [4, 6, 7, 10, 13, 14, 17, 20, 21]),
		cognitive: total(a, [1, 2, 3, 5, 11, 12, 15, 16, 18, 19]),
		psychosocial: total(a, [8, 9]),
		total: total(a, range(1, 21))
	}),
	mfis5: (a) => ({ total: total(a, range(1, 5)) }),
	// §3.1 / §3.2: the value itself.
	pain_nrs: (a) => ({ score: a.pain! }),
	pain_vas: (a) => ({ score: a.pain! }),
	// §4.4: raw = sum (0–25); percentage = raw × 4.
	who5: (a) => ({ raw: total(a, range(1, 5)), percentage: total(a, range(1, 5)) * 4 }),
	rand36: (a) =>
		Object.fromEntries(
			Object.entries(RAND_SCALES).map(([key, ns]) => {
				const recoded = ns.filter((n) => answered(a, n)).map((n) => randRecode(n, a[String(n)]!));
				return [key, recoded.length === 0 ? null : recoded.reduce((t, x) => t + x, 0) / recoded.length];
			})
		),
	// T-scores are checked against the table's shape below, not copied here.
	promis_gh10: (a) => ({ gph_raw: promisRaw(a, GPH), gmh_raw: promisRaw(a, GMH) }),
	// §6.3 formulas.
	das28_esr: (a) => ({ score: das28Joints(a) + 0.7 * Math.log(a.esr!) }),
	das28_crp: (a) => ({ score: das28Joints(a) + 0.36 * Math.log(a.crp! + 1) + 0.96 }),
	// §6.4: sum of the components.
	hbi: (a) => ({ score: total(a, ['wellbeing', 'abdominal_pain', 'liquid_stools', 'abdominal_mass', 'complications']) }),
	// Cohen 1983: items 4, 5, 7, 8 are reversed (4 − code), then summed 0–40.
	pss10: (a) => ({ total: total(a, [1, 2, 3, 6, 9, 10]) + [4, 5, 7, 8].reduce((t, k) => t + (4 - a[String(k)]!), 0) }),
	// Spitzer 2006 / Kroenke 2001: plain sums.
	gad7: (a) => ({ total: total(a, range(1, 7)) }),
	phq9: (a) => ({ total: total(a, range(1, 9)) }),
	// Kroenke 2009: total of all four; anxiety = items 1+2 (GAD-2), depression = 3+4 (PHQ-2).
	phq4: (a) => ({ total: total(a, range(1, 4)), anxiety: total(a, [1, 2]), depression: total(a, [3, 4]) })
};
/** Complete forms, and forms with gaps (which only the partly scorable instruments will score). */
const forms = (def: InstrumentDef) => fc.oneof(completeAnswers(def).map((answers): Given => answers), answersWithGaps(def).map((f): Given => f.answers));

const published = (def: InstrumentDef) => (def.kind === 'score_only' ? (a: Given) => ({ score: a.score! }) : PUBLISHED[def.id]);

/** Items whose higher answer means better health on a scale where higher is better (the published recodes). */
const REVERSED: Record<string, string[]> = {
	rand36: RAND_DESCENDING.map(String),
	promis_gh10: ['global07r'],
	pss10: ['4', '5', '7', '8']
};

describe.each(INSTRUMENTS.map((def) => [def.id, def] as const))('%s by its published rule', (_, def) => {
	it('has its rule written out in this test', () => {
		expect(published(def)).toBeDefined();
	});

	it('scores every form it accepts exactly as the published rule does', () => {
		const rule = published(def);
		if (!rule) return;
		fc.assert(
			fc.property(forms(def), (answers) => {
				const result = scoreResponse(def.id, answers);
				if (!result.ok) return; // which forms are refused is the missing-item property's business
				for (const [key, value] of Object.entries(rule(answers))) {
					if (value === null) expect(result.scores[key]).toBeNull();
					else expect(result.scores[key]).toBeCloseTo(value, 9);
				}
			}),
			{ numRuns: RUNS }
		);
	});

	it('moves every scale in the published direction when one answer goes up a step', () => {
		const reversed = new Set(REVERSED[def.id] ?? []);
		const input = fc.tuple(forms(def), fc.integer({ min: 0, max: def.items.length - 1 })).chain(([answers, index]) => {
			const item = def.items[index]!;
			return fc.integer({ min: 0, max: unitsOf(item) - 1 }).map((k) => ({ answers, item, k }));
		});
		fc.assert(
			fc.property(input, ({ answers, item, k }) => {
				const lower = scoreResponse(def.id, { ...answers, [item.key]: answerAt(item, k) });
				const higher = scoreResponse(def.id, { ...answers, [item.key]: answerAt(item, k + 1) });
				expect(higher.ok).toBe(lower.ok);
				if (!lower.ok || !higher.ok) return;
				for (const scale of def.scales) {
					const [a, b] = [lower.scores[scale.key], higher.scores[scale.key]];
					if (a === null || a === undefined || b === null || b === undefined) continue;
					if (reversed.has(item.key)) expect(b).toBeLessThanOrEqual(a);
					else expect(b).toBeGreaterThanOrEqual(a);
				}
			}),
			{ numRuns: RUNS }
		);
	});
});

describe('PROMIS Global-10 raw → T (Hays 2009 table, §4.1)', () => {
	const def = getInstrument('promis_gh10')!;
	const scale = (key: string) => def.scales.find((s) => s.key === key)!;
	it('T rises strictly with the raw score and spans the published range from raw 4 to raw 20', () => {
		fc.assert(
			fc.property(completeAnswers(def), completeAnswers(def), (a, b) => {
				const [x, y] = [scoreResponse('promis_gh10', a), scoreResponse('promis_gh10', b)];
				if (!x.ok || !y.ok) throw new Error('complete forms are scored');
				for (const [raw, t] of [['gph_raw', 'gph_t'], ['gmh_raw', 'gmh_t']] as const) {
					const [rx, ry, tx, ty] = [x.scores[raw]!, y.scores[raw]!, x.scores[t]!, y.scores[t]!];
					expect(Math.sign(tx - ty)).toBe(Math.sign(rx - ry));
					if (rx === 4) expect(tx).toBe(scale(t).min);
					if (rx === 20) expect(tx).toBe(scale(t).max);
				}
			}),
			{ numRuns: 300 }
		);
	});
});

describe('roundHalfUp (display rounding, §1 rule 6)', () => {
	const decimals = fc.integer({ min: 0, max: 4 });
	const value = fc.double({ min: -1e12, max: 1e12, noNaN: true });

	it('returns the nearest value with at most that many decimals, and is idempotent', () => {
		fc.assert(
			fc.property(value, decimals, (x, d) => {
				const r = roundHalfUp(x, d);
				expect(Number.isFinite(r), `roundHalfUp(${x}, ${d}) = ${r}`).toBe(true);
				expect(Math.abs(r - x)).toBeLessThanOrEqual(0.5 * 10 ** -d + Math.abs(x) * 1e-14);
				expect(Number(r.toFixed(d))).toBe(r + 0);
				expect(roundHalfUp(r, d) + 0).toBe(r + 0);
			}),
			{ numRuns: 500 }
		);
	});

	it('rounds a decimal half away from zero, whatever its binary representation (1.005 → 1.01)', () => {
		fc.assert(
			fc.property(fc.integer({ min: 0, max: 99_999_999 }), decimals, fc.boolean(), (n, d, negative) => {
				const sign = negative ? -1 : 1;
				// n.5 · 10^-d written in decimal, e.g. n = 100, d = 2 → 1.005
				expect(roundHalfUp(sign * Number(`${n}5e-${d + 1}`), d)).toBe(sign * Number(`${n + 1}e-${d}`));
			}),
			{ numRuns: 500 }
		);
	});

	it('is symmetric around zero', () => {
		fc.assert(
			fc.property(value, decimals, (x, d) => {
				expect(roundHalfUp(-x, d) + 0).toBe(-roundHalfUp(x, d) + 0);
			}),
			{ numRuns: 300 }
		);
	});
});
