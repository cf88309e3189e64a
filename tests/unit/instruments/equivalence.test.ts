/**
 * The engine against the retired TypeScript scorers (tests/fixtures/retired-instruments) on the
 * same forms: the same refusals and bit-for-bit the same scores, so stored values do not change.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { INSTRUMENTS, scoreResponse } from '../../../src/lib/instruments';
import { INSTRUMENTS as RETIRED, scoreResponse as retired } from '../../fixtures/retired-instruments/index';
import { answersWithGaps, completeAnswers, invalidAnswer } from '../property/arbitraries';

// Instruments added after the TypeScript scorers retired (the stress and mood ones) have none to match.
const retiredIds = new Set(RETIRED.map((d) => d.id));
describe.each(INSTRUMENTS.filter((def) => retiredIds.has(def.id)).map((def) => [def.id, def] as const))('%s', (_, def) => {
	const same = (answers: Record<string, unknown>) => {
		const [now, before] = [scoreResponse(def.id, answers as never), retired(def.id, answers as never)];
		expect(now.ok, fc.stringify(answers)).toBe(before.ok);
		if (now.ok && before.ok) {
			expect(Object.keys(now.scores)).toEqual(Object.keys(before.scores));
			for (const [k, v] of Object.entries(before.scores)) expect(Object.is(now.scores[k], v), `${k}: ${now.scores[k]} vs ${v}`).toBe(true);
		}
		// RAND-36 named no item when nothing at all was scorable; it now names the unanswered ones.
		if (!now.ok && !before.ok && def.id !== 'rand36')
			expect(new Set(now.errors.map((e) => e.item))).toEqual(new Set(before.errors.map((e) => e.item)));
	};
	it('scores complete and incomplete forms exactly as before', () => {
		fc.assert(fc.property(fc.oneof(completeAnswers(def), answersWithGaps(def).map((f) => f.answers)), same), { numRuns: 150 });
	}, 60_000);
	it('refuses the same invalid answers at the same items', () => {
		const input = fc.tuple(completeAnswers(def), fc.integer({ min: 0, max: def.items.length - 1 })).chain(([a, i]) =>
			invalidAnswer(def.items[i]!).map((bad) => ({ ...a, [def.items[i]!.key]: bad }))
		);
		fc.assert(fc.property(input, same), { numRuns: 100 });
	}, 60_000);
});
