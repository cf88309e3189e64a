/** Generators shared by the property tests: item answers as a form or a CSV file delivers them. */
import fc from 'fast-check';
import type { InstrumentDef, ItemDef } from '../../../src/lib/instruments';

/** Decimals an item allows: step 1 → 0, 0.1 → 1, 0.001 → 3. */
export const decimalsOf = (step: number) => Math.max(0, Math.round(-Math.log10(step)));

/** An item's allowed answers as whole units of its step: min + k · step for k in 0 … units. */
export function unitsOf(item: ItemDef): number {
	return Math.round((item.max - item.min) / item.step);
}

/** The answer k steps above the item's minimum, as the number parsed from its decimal spelling. */
export function answerAt(item: ItemDef, k: number): number {
	const scale = 10 ** decimalsOf(item.step);
	return (Math.round(item.min * scale) + k * Math.round(item.step * scale)) / scale;
}

export const validAnswer = (item: ItemDef): fc.Arbitrary<number> =>
	fc.integer({ min: 0, max: unitsOf(item) }).map((k) => answerAt(item, k));

/** Anything the scorer must refuse at this item: out of range, too many decimals, not a finite number. */
export function invalidAnswer(item: ItemDef): fc.Arbitrary<unknown> {
	const d = decimalsOf(item.step);
	return fc.oneof(
		// (-0 is not below 0: it is a valid 0.)
		fc.double({ max: item.min, maxExcluded: true }).filter((v) => !(v >= item.min)),
		fc.double({ min: item.max, minExcluded: true }).filter((v) => !(v <= item.max)),
		// What a user could type: "5.00000001" for a whole-number item, "42.55" for one decimal.
		fc
			.tuple(validAnswer(item), fc.integer({ min: 0, max: 8 }), fc.integer({ min: 1, max: 9 }))
			.map(([v, zeros, digit]) => Number(`${v.toFixed(d)}${d === 0 ? '.' : ''}${'0'.repeat(zeros)}${digit}`)),
		fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
		fc.oneof(fc.string(), fc.boolean(), fc.bigInt(), fc.array(fc.integer(), { maxLength: 3 }), fc.object({ maxDepth: 1 }))
	);
}

/** Keys that are no item of the instrument, including ones that name Object.prototype members. */
export function extraKeys(def: InstrumentDef): fc.Arbitrary<string> {
	const known = new Set(def.items.map((i) => i.key));
	return fc
		.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', '0', '37', 'global11', 'score '))
		.filter((k) => !known.has(k));
}

export const ABSENT = Symbol('absent');
export type Slot = number | null | undefined | typeof ABSENT;

/** Builds an answers object as own properties (Object.fromEntries, so "__proto__" stays a key). */
export function answersOf(def: InstrumentDef, slots: Slot[], extra: [string, unknown][] = []): Record<string, unknown> {
	const entries: [string, unknown][] = def.items.flatMap((item, i) => (slots[i] === ABSENT ? [] : [[item.key, slots[i]]]));
	return Object.fromEntries([...entries, ...extra]);
}

/** Valid answers with gaps: each item is answered (3 in 4) or missing as null, undefined or absent. */
export function answersWithGaps(def: InstrumentDef): fc.Arbitrary<{ answers: Record<string, number | null | undefined>; missing: Set<string> }> {
	return fc
		.tuple(
			...def.items.map((item) =>
				fc.oneof({ weight: 3, arbitrary: validAnswer(item) as fc.Arbitrary<Slot> }, { weight: 1, arbitrary: fc.constantFrom<Slot>(null, undefined, ABSENT) })
			)
		)
		.map((slots) => ({
			answers: answersOf(def, slots) as Record<string, number | null | undefined>,
			missing: new Set(def.items.filter((_, i) => typeof slots[i] !== 'number').map((item) => item.key))
		}));
}

export const completeAnswers = (def: InstrumentDef): fc.Arbitrary<Record<string, number>> =>
	fc.tuple(...def.items.map(validAnswer)).map((values) => Object.fromEntries(def.items.map((item, i) => [item.key, values[i]!])));
