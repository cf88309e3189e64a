/** Generators for what people type: padded text, lengths around a limit, dates real and not. */
import fc from 'fast-check';

const DAY = 86_400_000;

export const blank = fc.constantFrom('', ' ', '\t', '  ', '\n ', '\u00a0');
export const padded = (s: fc.Arbitrary<string>) => fc.tuple(blank, s, blank).map(([a, b, c]) => a + b + c);
/** Text of any kind: ASCII, whole graphemes, any code point outside the surrogate range. */
export const text = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }));
/** Texts a few characters either side of a length limit. */
export const nearLength = (limit: number) =>
	fc.integer({ min: Math.max(0, limit - 3), max: limit + 3 }).chain((n) => fc.string({ unit: 'grapheme-ascii', minLength: n, maxLength: n }));

const LOWER = [...'abcdefghijklmnopqrstuvwxyz'];
/** A condition code as the filters expect it: a letter, then up to 39 letters, digits or _. */
export const conditionCode = fc
	.tuple(fc.constantFrom(...LOWER), fc.string({ unit: fc.constantFrom(...LOWER, ...'0123456789_'), maxLength: 39 }))
	.map(([a, b]) => a + b);

/** The UTC calendar date of a moment, as YYYY-MM-DD. */
export const isoDay = (d: Date) => d.toISOString().slice(0, 10);
/** A real calendar date: a round trip through Date gives the same day. */
export const isReal = (s: string) => /^\d{4}-\d{2}-\d{2}$/.test(s) && isoDay(new Date(`${s}T00:00:00Z`)) === s;
/** Real past dates (two days' margin so the local calendar of today() never matters). */
export const pastDay = fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date(Date.now() - 2 * DAY), noInvalidDate: true }).map(isoDay);
export const futureDay = fc.date({ min: new Date(Date.now() + 2 * DAY), max: new Date('9999-12-31T00:00:00Z'), noInvalidDate: true }).map(isoDay);
/** Day 29–31 of a month that does not have it, e.g. 2023-02-29 or 2024-04-31. */
export const impossibleDay = fc
	.tuple(fc.integer({ min: 1900, max: 2020 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 29, max: 31 }))
	.filter(([y, m, d]) => new Date(Date.UTC(y, m, 0)).getUTCDate() < d)
	.map(([y, m, d]) => `${y}-${String(m).padStart(2, '0')}-${d}`);
export const dateLike = fc.oneof(fc.stringMatching(/^\d{4}-\d{2}-\d{2}$/), pastDay, futureDay, text, padded(pastDay));
