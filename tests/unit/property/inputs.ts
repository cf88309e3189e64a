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

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
/**
 * What free-text fields refuse wherever it stands (src/lib/validation/text.ts), written out here
 * from the list, not from that file: C0 controls but tab, LF and CR; DEL and C1; the bidi
 * controls and marks; zero-width space, word joiner and invisible operators; the byte-order mark.
 */
export const HIDDEN_CODE_POINTS: readonly number[] = [
	...range(0x00, 0x08), 0x0b, 0x0c, ...range(0x0e, 0x1f), ...range(0x7f, 0x9f),
	0x061c, 0x200b, 0x200e, 0x200f, ...range(0x202a, 0x202e), ...range(0x2060, 0x2064), ...range(0x2066, 0x2069), 0xfeff
];
const HIDDEN = new Set(HIDDEN_CODE_POINTS);
/** True when no character of `s` is one a free-text field refuses wherever it stands. */
export const showsEveryCharacter = (s: string) => ![...s].some((c) => HIDDEN.has(c.codePointAt(0)!));
/** ZWNJ and ZWJ, accepted only between letters of scripts that use them (or emoji, for ZWJ). */
export const hasJoiner = (s: string) => /[\u200c\u200d]/.test(s);
/** Any text, without the joiners (whose verdict depends on their neighbours). */
export const textWithoutJoiners = text.filter((s) => !hasJoiner(s));
