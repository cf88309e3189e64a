/**
 * Properties every instrument in the registry must hold, whatever the answers: scoring never
 * throws, refuses bad answers at the item that holds them, applies the missing-item rule its module
 * states, and only produces finite scores inside the published range.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { categoryFor, getInstrument, INSTRUMENTS, scoreResponse, type Answers, type InstrumentDef, type ScoreResult } from '../../../src/lib/instruments';
import { ABSENT, answersOf, answersWithGaps, completeAnswers, extraKeys, invalidAnswer, validAnswer, type Slot } from './arbitraries';

const RUNS = 100;

/** Finite, inside the scale's published range, and a score for exactly the instrument's scales. */
function expectScoresInRange(def: InstrumentDef, result: ScoreResult) {
	if (!result.ok) return;
	expect(Object.keys(result.scores).sort()).toEqual(def.scales.map((s) => s.key).sort());
	for (const scale of def.scales) {
		const value = result.scores[scale.key];
		if (value === null) continue;
		expect(Number.isFinite(value), `${def.id}.${scale.key} = ${value}`).toBe(true);
		expect(value).toBeGreaterThanOrEqual(scale.min);
		if (scale.max !== null) expect(value).toBeLessThanOrEqual(scale.max);
	}
}

const errorItems = (result: ScoreResult) => (result.ok ? [] : result.errors.map((e) => e.item));

/**
 * Instruments whose published rule scores part of a form (RAND-36 §4.2: each scale the mean of its
 * answered items; PROMIS Global-10 §4.1: each summary needs its four items). Every other module
 * states that all items are required.
 */
const PARTIAL = new Set(['rand36', 'promis_gh10']);

describe.each(INSTRUMENTS.map((def) => [def.id, def] as const))('%s', (_, def) => {
	it('never throws on arbitrary answers, gives the same result twice and leaves the input alone', () => {
		const slot = (item: InstrumentDef['items'][number]) =>
			fc.oneof(validAnswer(item), invalidAnswer(item), fc.constantFrom<Slot>(null, undefined, ABSENT), fc.anything());
		const answers = fc.oneof(
			{ weight: 4, arbitrary: fc.tuple(fc.tuple(...def.items.map(slot)), fc.array(fc.tuple(extraKeys(def), fc.anything()), { maxLength: 2 })).map(([slots, extra]) => answersOf(def, slots as Slot[], extra)) },
			{ weight: 1, arbitrary: fc.anything() }
		);
		fc.assert(
			fc.property(answers, (a) => {
				const before = Array.isArray(a) ? [...a] : a !== null && typeof a === 'object' ? { ...a } : a;
				const first = scoreResponse(def.id, a as Answers);
				expect(scoreResponse(def.id, a as Answers)).toEqual(first);
				if (a !== null && typeof a === 'object') expect(a).toEqual(before);
				if (!first.ok) {
					expect(first.errors.length).toBeGreaterThan(0);
					for (const e of first.errors) expect(typeof e.message).toBe('string');
				}
				expectScoresInRange(def, first);
			}),
			{ numRuns: RUNS }
		);
	});

	it('scores every complete valid form, each scale finite and inside its published range', () => {
		fc.assert(
			fc.property(completeAnswers(def), (a) => {
				const result = scoreResponse(def.id, a);
				expect(result.ok).toBe(true);
				if (result.ok) for (const scale of def.scales) expect(result.scores[scale.key]).not.toBeNull();
				expectScoresInRange(def, result);
			}),
			{ numRuns: RUNS }
		);
	});

	it('refuses invalid answers and unknown keys, naming exactly those items (never clamps)', () => {
		const input = fc
			.tuple(
				completeAnswers(def),
				fc.subarray(def.items, { minLength: 0 }).chain((bad) => fc.tuple(...bad.map((item) => invalidAnswer(item).map((v) => [item.key, v] as const)))),
				fc.uniqueArray(extraKeys(def), { maxLength: 2 }).chain((keys) => fc.tuple(...keys.map((k) => validAnswer(def.items[0]!).map((v) => [k, v] as const))))
			)
			.filter(([, bad, extra]) => bad.length + extra.length > 0);
		fc.assert(
			fc.property(input, ([valid, bad, extra]) => {
				const answers = Object.fromEntries([...Object.entries(valid), ...bad, ...extra]);
				const result = scoreResponse(def.id, answers as Answers);
				expect(result.ok).toBe(false);
				expect(new Set(errorItems(result))).toEqual(new Set([...bad.map(([k]) => k), ...extra.map(([k]) => k)]));
			}),
			{ numRuns: RUNS }
		);
	});

	if (!PARTIAL.has(def.id)) {
		it('gives no score when any item is missing, naming exactly the missing items (module: all required)', () => {
			expect(def.missingRule).toMatch(/required/i);
			fc.assert(
				fc.property(answersWithGaps(def), ({ answers, missing }) => {
					const result = scoreResponse(def.id, answers);
					expect(result.ok).toBe(missing.size === 0);
					expect(new Set(errorItems(result))).toEqual(missing);
				}),
				{ numRuns: RUNS }
			);
		});
	}

	for (const [scaleKey, bands] of Object.entries(def.categories ?? {})) {
		it(`puts every value of “${scaleKey}” in its range into exactly one band, in order`, () => {
			const scale = def.scales.find((s) => s.key === scaleKey)!;
			const top = scale.max ?? def.items.reduce((t, i) => t + i.max, 0);
			const band = (x: number) => bands.findIndex((b) => b.label === categoryFor(def.id, scaleKey, x));
			fc.assert(
				fc.property(fc.double({ min: scale.min, max: top, noNaN: true }), fc.double({ min: scale.min, max: top, noNaN: true }), (x, y) => {
					expect(band(x)).toBeGreaterThanOrEqual(0);
					if (x <= y) expect(band(x)).toBeLessThanOrEqual(band(y));
				}),
				{ numRuns: RUNS }
			);
		});
	}
});

describe('RAND-36 missing items (§4.2: a scale is the mean of its answered items)', () => {
	const def = getInstrument('rand36')!;
	// Scale membership as published in instruments.md §4.2; item 2 belongs to no scale.
	const SCALES: Record<string, number[]> = {
		physical_functioning: [3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
		role_physical: [13, 14, 15, 16],
		role_emotional: [17, 18, 19],
		energy_fatigue: [23, 27, 29, 31],
		emotional_wellbeing: [24, 25, 26, 28, 30],
		social_functioning: [20, 32],
		pain: [21, 22],
		general_health: [1, 33, 34, 35, 36]
	};
	it('scores a scale exactly when one of its items is answered, and refuses a form with no scorable scale', () => {
		fc.assert(
			fc.property(answersWithGaps(def), ({ answers, missing }) => {
				const scorable = Object.entries(SCALES).filter(([, ns]) => ns.some((n) => !missing.has(String(n))));
				const result = scoreResponse('rand36', answers);
				expect(result.ok).toBe(scorable.length > 0);
				if (!result.ok) return;
				for (const [key, ns] of Object.entries(SCALES)) expect(result.scores[key] === null).toBe(ns.every((n) => missing.has(String(n))));
			}),
			{ numRuns: 300 }
		);
	});
});

describe('PROMIS Global-10 missing items (§4.1: each summary needs all four of its items)', () => {
	const def = getInstrument('promis_gh10')!;
	const GPH = ['global03', 'global06', 'global07r', 'global08r'];
	const GMH = ['global02', 'global04', 'global05', 'global10r'];
	it('scores each summary independently and refuses the form only when neither is scorable', () => {
		fc.assert(
			fc.property(answersWithGaps(def), ({ answers, missing }) => {
				const gph = GPH.every((k) => !missing.has(k));
				const gmh = GMH.every((k) => !missing.has(k));
				const result = scoreResponse('promis_gh10', answers);
				expect(result.ok).toBe(gph || gmh);
				if (!result.ok) {
					expect(new Set(errorItems(result))).toEqual(new Set([...GPH, ...GMH].filter((k) => missing.has(k))));
					return;
				}
				expect(result.scores.gph_raw === null).toBe(!gph);
				expect(result.scores.gph_t === null).toBe(!gph);
				expect(result.scores.gmh_raw === null).toBe(!gmh);
				expect(result.scores.gmh_t === null).toBe(!gmh);
			}),
			{ numRuns: 300 }
		);
	});
});

describe('the registry', () => {
	it('refuses an unknown instrument id, whatever it is', () => {
		const ids = new Set(INSTRUMENTS.map((d) => d.id));
		fc.assert(
			fc.property(
				fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'FSS9', 'fss9 ')).filter((id) => !ids.has(id)),
				fc.anything(),
				(id, answers) => {
					const result = scoreResponse(id, answers as Answers);
					expect(result.ok).toBe(false);
				}
			),
			{ numRuns: RUNS }
		);
	});
});
