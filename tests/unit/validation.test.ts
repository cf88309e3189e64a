import { describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { FirstAdminSchema, LoginSchema, NewUserSchema } from '../../src/lib/validation/account';
import { fieldErrors } from '../../src/lib/validation/form';

describe('account forms', () => {
	it('normalise the email and accept a valid new user', () => {
		const parsed = v.safeParse(NewUserSchema, {
			email: '  Ann@Clinic.ORG ',
			name: ' Ann ',
			role: 'clinician',
			password: 'twelve chars'
		});
		expect(parsed.success && parsed.output).toEqual({
			email: 'ann@clinic.org',
			name: 'Ann',
			role: 'clinician',
			password: 'twelve chars'
		});
	});
	it('give one clear message per field', () => {
		const parsed = v.safeParse(NewUserSchema, { email: 'nope', name: '', role: 'boss', password: 'short' });
		expect(parsed.success).toBe(false);
		if (parsed.success) return;
		expect(fieldErrors(parsed.issues)).toEqual({
			email: 'Enter a valid email address, like name@clinic.org.',
			name: 'Enter a name.',
			role: 'Choose a role.',
			password: 'Use at least 12 characters.'
		});
	});
	it('put a password mismatch on the repeat field', () => {
		const parsed = v.safeParse(FirstAdminSchema, {
			email: 'a@b.org',
			name: 'A',
			password: 'twelve chars',
			confirm: 'twelve charz'
		});
		expect(parsed.success).toBe(false);
		if (!parsed.success) expect(fieldErrors(parsed.issues)).toEqual({ confirm: 'The two passwords differ.' });
	});
	it('do not judge the length of a password at sign-in', () => {
		expect(v.safeParse(LoginSchema, { email: 'A@b.org', password: 'x' }).success).toBe(true);
	});
});
