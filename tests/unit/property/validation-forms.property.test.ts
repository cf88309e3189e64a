/**
 * Form parsers that are not about patients: account schemas, the field-error and form-value
 * helpers, and item answers read from a form. Whatever is posted, parsing never throws; what it
 * accepts meets the rule the message states; well-formed input is accepted.
 */
import fc from 'fast-check';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { getInstrument, INSTRUMENTS, scoreResponse } from '../../../src/lib/instruments';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../../../src/lib/server/auth/password';
import {
	ChangePasswordSchema,
	EmailSchema,
	FirstAdminSchema,
	LoginSchema,
	NameSchema,
	NewPasswordSchema,
	NewUserSchema,
	ROLE_OPTIONS,
	RoleSchema
} from '../../../src/lib/validation/account';
import { answerField, answersFromForm, parseAnswer, rawAnswers } from '../../../src/lib/validation/answers';
import { fieldErrors, formValues } from '../../../src/lib/validation/form';
import { ABSENT, decimalsOf, validAnswer, type Slot } from './arbitraries';
import { blank, nearLength, padded, showsEveryCharacter, text, textWithoutJoiners } from './inputs';

const RUNS = 200;

describe('account forms', () => {
	const simpleEmail = fc
		.tuple(
			fc.stringMatching(/^[a-z0-9]{1,10}([._+-][a-z0-9]{1,10}){0,2}$/),
			fc.array(fc.stringMatching(/^[a-z0-9]{1,10}(-[a-z0-9]{1,10})?$/), { minLength: 1, maxLength: 3 }),
			fc.stringMatching(/^[a-z]{2,6}$/)
		)
		.map(([local, labels, tld]) => `${local}@${labels.join('.')}.${tld}`);

	it('an email that parses is trimmed, lower case, at most 254 characters and has an @', () => {
		fc.assert(
			fc.property(fc.oneof(fc.anything(), text, fc.emailAddress(), padded(fc.mixedCase(simpleEmail))), (input) => {
				const r = v.safeParse(EmailSchema, input);
				if (!r.success) return;
				expect(r.output).toBe(r.output.trim());
				expect(r.output).toBe(r.output.toLowerCase());
				expect(r.output.length).toBeGreaterThan(0);
				expect(r.output.length).toBeLessThanOrEqual(254);
				expect(r.output).toContain('@');
			}),
			{ numRuns: RUNS }
		);
	});

	it('accepts ordinary addresses in any case and with spaces around, normalised', () => {
		fc.assert(
			fc.property(simpleEmail.chain((e) => fc.tuple(fc.constant(e), padded(fc.mixedCase(fc.constant(e))))), ([email, typed]) => {
				expect(v.safeParse(EmailSchema, typed)).toMatchObject({ success: true, output: email });
			}),
			{ numRuns: RUNS }
		);
	});

	it('accepts a name exactly when it has 1–200 characters after trimming, every one of them shown', () => {
		fc.assert(
			fc.property(fc.oneof(padded(textWithoutJoiners), padded(nearLength(200))), (name) => {
				const r = v.safeParse(NameSchema, name);
				const trimmed = name.trim();
				expect(r.success).toBe(trimmed.length >= 1 && trimmed.length <= 200 && showsEveryCharacter(trimmed));
				if (r.success) expect(r.output).toBe(trimmed);
			}),
			{ numRuns: RUNS }
		);
	});

	it('counts a new password’s length in characters, as the server’s policy does', () => {
		const char = fc.oneof(fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }), fc.constantFrom('é', '漢', '😀', '𝄞'));
		const length = fc.oneof(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 120, max: 140 }), fc.integer({ min: 250, max: 262 }));
		fc.assert(
			fc.property(length.chain((n) => fc.array(char, { minLength: n, maxLength: n })), (chars) => {
				const r = v.safeParse(NewPasswordSchema, chars.join(''));
				expect(r.success).toBe(chars.length >= PASSWORD_MIN_LENGTH && chars.length <= PASSWORD_MAX_LENGTH);
			}),
			{ numRuns: RUNS }
		);
	});

	it('accepts a new password and its repeat exactly when they are equal, else flags the repeat', () => {
		const password = fc.string({ minLength: PASSWORD_MIN_LENGTH, maxLength: 40, unit: 'grapheme-ascii' });
		fc.assert(
			fc.property(password, fc.oneof(password, fc.string()), fc.boolean(), (p, other, same) => {
				const confirm = same ? p : other;
				const results = [
					v.safeParse(FirstAdminSchema, { email: 'a@clinic.org', name: 'A', password: p, confirm }),
					v.safeParse(ChangePasswordSchema, { current: 'old', password: p, confirm })
				];
				for (const r of results) {
					expect(r.success).toBe(confirm === p);
					if (!r.success) expect(fieldErrors(r.issues)).toEqual({ confirm: 'The two passwords differ.' });
				}
			}),
			{ numRuns: RUNS }
		);
	});

	it('sign-in needs an email and a password but does not judge the password', () => {
		fc.assert(
			fc.property(padded(text), text, (email, password) => {
				const r = v.safeParse(LoginSchema, { email, password });
				expect(r.success).toBe(email.trim() !== '' && password !== '');
				if (r.success) expect(r.output.email).toBe(email.trim().toLowerCase());
			}),
			{ numRuns: RUNS }
		);
	});

	it('a role is one of the three roles', () => {
		fc.assert(
			fc.property(fc.oneof(fc.constantFrom(...ROLE_OPTIONS), fc.anything()), (role) => {
				expect(v.safeParse(RoleSchema, role).success).toBe((ROLE_OPTIONS as readonly unknown[]).includes(role));
			}),
			{ numRuns: RUNS }
		);
	});
});

describe('field errors and form values', () => {
	it('give one message per field that has an issue: the first one', () => {
		const field = fc.oneof(fc.anything(), text, fc.constantFrom('clinician', 'a@b.org', 'twelve chars', 'Ann'));
		const input = fc.oneof(fc.record({ email: field, name: field, role: field, password: field }, { requiredKeys: [] }), fc.anything());
		fc.assert(
			fc.property(input, (data) => {
				const r = v.safeParse(NewUserSchema, data);
				if (r.success) return;
				const errors = fieldErrors(r.issues);
				const keys = r.issues.map((i) => v.getDotPath(i) ?? 'form');
				expect(Object.keys(errors).sort()).toEqual([...new Set(keys)].sort());
				for (const [key, message] of Object.entries(errors)) expect(message).toBe(r.issues[keys.indexOf(key)]!.message);
			}),
			{ numRuns: RUNS }
		);
	});

	it('read each named field as its first value when that is text (without NUL, which cannot be stored), else as an empty string', () => {
		const name = fc.oneof(fc.constantFrom('email', 'name', 'note', 'x'), fc.string({ maxLength: 4 }));
		const value = fc.oneof(text.map((s): string | File => s), fc.string().map((s) => new File([s], 'upload.txt')));
		fc.assert(
			fc.property(fc.array(fc.tuple(name, value), { maxLength: 8 }), fc.uniqueArray(name, { maxLength: 5 }), (entries, names) => {
				const data = new FormData();
				for (const [n, x] of entries) data.append(n, x);
				const values = formValues(data, names);
				expect(Object.keys(values).sort()).toEqual([...names].sort());
				for (const n of names) {
					const first = entries.find(([k]) => k === n)?.[1];
					// formValues drops NUL characters (PostgreSQL text refuses them); a random text holds one now and then.
					expect(values[n]).toBe(typeof first === 'string' ? first.replaceAll('\0', '') : '');
				}
			}),
			{ numRuns: RUNS }
		);
	});
});

describe('item answers from a form', () => {
	it('read anything without throwing: text → number, NaN when not a plain decimal; blank or not text → missing', () => {
		fc.assert(
			fc.property(fc.oneof(fc.anything(), text, padded(fc.stringMatching(/^-?\d{1,6}([.,]\d{1,4})?$/))), (raw) => {
				const parsed = parseAnswer(raw);
				if (typeof raw !== 'string' || raw.trim() === '') {
					expect(parsed).toBeNull();
					return;
				}
				expect(typeof parsed).toBe('number');
				const spelled = raw.trim().replace(',', '.');
				if (!Number.isNaN(parsed)) {
					expect(spelled).toMatch(/^-?\d+(\.\d+)?$/);
					expect(parsed).toBe(Number(spelled));
				}
			}),
			{ numRuns: 500 }
		);
	});

	it('give back the answers a form was filled with (blank = missing), and so the same scores', () => {
		const instrument = fc.constantFrom(...INSTRUMENTS);
		const filled = instrument.chain((def) =>
			fc.tuple(
				fc.constant(def),
				fc.tuple(...def.items.map((item) => fc.oneof({ weight: 4, arbitrary: validAnswer(item) as fc.Arbitrary<Slot> }, { weight: 1, arbitrary: fc.constantFrom<Slot>(null, ABSENT) }))),
				fc.boolean(),
				blank
			)
		);
		fc.assert(
			fc.property(fc.uniqueArray(filled, { maxLength: 3, selector: ([def]) => def.id }), (forms) => {
				const data = new FormData();
				data.append('note', 'noise');
				const expected = forms.map(([def, slots, comma, pad]) => {
					const answers: Record<string, number | null> = {};
					def.items.forEach((item, i) => {
						const x = slots[i];
						answers[item.key] = typeof x === 'number' ? x : null;
						if (x === ABSENT) return;
						const spelled = typeof x === 'number' ? x.toFixed(decimalsOf(item.step)) : '';
						data.append(answerField(def.id, item.key), pad + (comma ? spelled.replace('.', ',') : spelled) + pad);
					});
					return { instrumentId: def.id, answers };
				});
				const read = answersFromForm(data, forms.map(([def]) => def.id), (id) => getInstrument(id)?.items.map((i) => i.key));
				expect(read).toEqual(expected);
				for (const [i, r] of read.entries()) expect(scoreResponse(r.instrumentId, r.answers)).toEqual(scoreResponse(r.instrumentId, expected[i]!.answers));
				expect(Object.keys(rawAnswers(data)).every((k) => k.startsWith('i:'))).toBe(true);
				expect(Object.keys(rawAnswers(data))).toHaveLength(new Set([...data.keys()].filter((k) => k.startsWith('i:'))).size);
			}),
			{ numRuns: RUNS }
		);
	});
});
