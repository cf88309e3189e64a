/**
 * Every free-text field refuses characters that do not show (bidi controls, zero-width
 * characters, controls) with a message naming the character, and accepts the joiners that
 * Persian, Arabic and Indic writing needs. The oracles here are written from the list of code
 * points (inputs.ts) and a small alphabet, not from the implementation.
 */
import fc from 'fast-check';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { EmailSchema, NameSchema, TokenNameSchema } from '../../../src/lib/validation/account';
import { ConditionSchema, PATIENT_ENTRIES, ReasonSchema, VisitSchema } from '../../../src/lib/validation/clinical';
import { hiddenCharacter } from '../../../src/lib/validation/text';
import { layoutOf, parseRow, type RowContext } from '../../../src/lib/import/rows';
import { HIDDEN_CODE_POINTS, showsEveryCharacter, textWithoutJoiners } from './inputs';

const RUNS = 300;
const hex = (cp: number) => `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;

/** Each free-text field, as a function from the text to its parse result. */
const FIELDS: [string, (s: string) => v.SafeParseResult<v.GenericSchema>][] = [
	['user name', (s) => v.safeParse(NameSchema, s)],
	['token name', (s) => v.safeParse(TokenNameSchema, s)],
	['clinic reference', (s) => v.safeParse(PATIENT_ENTRIES.clinicRef, s)],
	['patient name', (s) => v.safeParse(PATIENT_ENTRIES.name, s)],
	['visit note', (s) => v.safeParse(VisitSchema.entries.note, s)],
	['reason for a change', (s) => v.safeParse(ReasonSchema, s)],
	['condition name', (s) => v.safeParse(ConditionSchema, { label: s })]
];

// Short, plainly valid text for every field above (a clinic reference holds at most 40).
const plain = fc.stringMatching(/^[A-Za-z][A-Za-z0-9 .'-]{0,20}[A-Za-z]$/);

describe('free-text fields refuse characters that do not show', () => {
	it('each listed character, anywhere in otherwise valid text, is refused at the field and named', () => {
		fc.assert(
			fc.property(plain, fc.constantFrom(...HIDDEN_CODE_POINTS), fc.nat(), (base, cp, at) => {
				const i = 1 + (at % (base.length - 1)); // inside, so trimming cannot remove it
				const typed = base.slice(0, i) + String.fromCodePoint(cp) + base.slice(i);
				for (const [field, parse] of FIELDS) {
					expect(parse(base).success, `${field}: ${JSON.stringify(base)}`).toBe(true);
					const r = parse(typed);
					// A reason drops NUL before anything (as every form field does): it cannot be stored.
					if (cp === 0 && field === 'reason for a change') {
						expect(r.success).toBe(true);
						continue;
					}
					expect(r.success, `${field}: ${hex(cp)}`).toBe(false);
					if (!r.success) expect(r.issues[0].message, field).toContain(`invisible character (${hex(cp)})`);
				}
			}),
			{ numRuns: RUNS }
		);
	});

	it('the name that renders as "‮gnp.exe Admín" is refused, and the email address too', () => {
		expect(v.safeParse(NameSchema, '\u202egnp.exe Admín').success).toBe(false);
		expect(v.safeParse(PATIENT_ENTRIES.name, 'Ann \u2067Smith\u2069').success).toBe(false);
		const email = v.safeParse(EmailSchema, 'ann\u200b@clinic.org');
		expect(email.success).toBe(false);
		if (!email.success) expect(email.issues[0].message).toContain('U+200B');
	});

	it('text without any of them is never refused for it', () => {
		fc.assert(
			fc.property(textWithoutJoiners, (s) => {
				expect(hiddenCharacter(s) === null).toBe(showsEveryCharacter(s));
			}),
			{ numRuns: RUNS }
		);
	});
});

describe('the joiners ZWNJ and ZWJ', () => {
	const ARABIC = ['ع', 'ل', 'ی', 'ر', 'ض', 'ا', 'م', 'ه'];
	const LATIN = ['a', 'd', 'm', 'i', 'n', 'A', 'é'];
	const JOINERS = ['\u200c', '\u200d'];
	const SPACE = [' '];

	it('are accepted exactly between two Arabic-script letters (a small alphabet, checked by position)', () => {
		const alphabet = [...ARABIC, ...LATIN, ...JOINERS, ...SPACE];
		fc.assert(
			fc.property(fc.array(fc.constantFrom(...alphabet), { minLength: 1, maxLength: 12 }), (chars) => {
				const arabic = (c: string | undefined) => c !== undefined && ARABIC.includes(c);
				const expected = chars.every((c, i) => !JOINERS.includes(c) || (arabic(chars[i - 1]) && arabic(chars[i + 1])));
				expect(hiddenCharacter(chars.join('')) === null, JSON.stringify(chars.join(''))).toBe(expected);
			}),
			{ numRuns: RUNS }
		);
	});

	it('keep Persian and Hindi names and emoji sequences; refuse a joiner hiding inside a Latin name', () => {
		for (const ok of ['علی\u200cرضا', 'می\u200cخواهم', 'क्\u200dष', 'श्\u200cरी', '👩\u200d⚕️', '👨\u200d👩\u200d👧']) {
			expect(v.safeParse(PATIENT_ENTRIES.name, ok).success, ok).toBe(true);
		}
		for (const bad of ['Ad\u200dmin', 'Ann\u200c Smith', '\u200dAnn', 'Ann\u200d', 'a\u200d👩']) {
			const r = v.safeParse(PATIENT_ENTRIES.name, `X${bad}X`);
			expect(r.success, JSON.stringify(bad)).toBe(false);
		}
	});

	it('tabs and line breaks in a note are kept', () => {
		expect(v.safeParse(VisitSchema.entries.note, 'Line one\n\tline two\r\nend')).toMatchObject({ success: true, output: 'Line one\n\tline two\r\nend' });
	});
});

describe('the import', () => {
	it('names the cell holding a hidden character, with manual entry’s message', () => {
		const headers = ['ref', 'name', 'dob', 'sex', 'condition', 'date', 'kind', 'sessions', 'flare', 'note'];
		const mapping = ['clinic_ref', 'name', 'date_of_birth', 'sex', 'condition', 'visit_date', 'visit_kind', 'acupuncture_sessions', 'flare', 'note'];
		const ctx: RowContext = { headers, mapping, dateFormat: 'iso', conditions: new Map([['other', 'other']]) };
		const { row, issues } = parseRow({ line: 4, fields: ['A\u200b1', '\u202egnp.exe Admín', '1970-01-01', 'F', 'other', '2024-06-05', 'baseline', '0', 'N', 'fine\u2066'] }, ctx, layoutOf(mapping));
		expect(row).toBeNull();
		expect(issues.map((i) => [i.column, i.message.match(/U\+[0-9A-F]{4}/)?.[0]])).toEqual([
			['ref', 'U+200B'],
			['name', 'U+202E'],
			['note', 'U+2066']
		]);
	});
});

describe('a lone surrogate (half of a character, only through the API or a script) is refused and named', () => {
	// The database's JSON (audit rows, plans) refuses it with an error; the field refuses it first.
	it('anywhere in otherwise valid text, high or low half', () => {
		fc.assert(
			fc.property(plain, fc.integer({ min: 0xd800, max: 0xdfff }), fc.nat(), (base, unit, at) => {
				const i = 1 + (at % (base.length - 1));
				const typed = base.slice(0, i) + String.fromCharCode(unit) + base.slice(i);
				for (const [field, parse] of FIELDS) {
					const result = parse(typed);
					expect(result.success, `${field}: ${JSON.stringify(typed)}`).toBe(false);
					if (!result.success) expect(result.issues[0]!.message).toContain(hex(unit));
				}
			}),
			{ numRuns: RUNS }
		);
	});
	it('a whole pair (an emoji, a rare ideograph) is accepted', () => {
		for (const [field, parse] of FIELDS) expect(parse('Ann 😀 𠀋 Lee').success, field).toBe(true);
	});
});
