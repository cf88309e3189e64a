import * as v from 'valibot';
import { visibleText } from './text';

export const ROLE_OPTIONS = ['admin', 'clinician', 'researcher'] as const;

// Kept in step with src/lib/server/auth/password.ts (ASVS 5.0: minimum 12, no composition rules).
const MIN = 12;
const MAX = 256;

export const EmailSchema = v.pipe(
	v.string(),
	v.trim(),
	v.toLowerCase(),
	visibleText(),
	v.nonEmpty('Enter an email address.'),
	v.maxLength(254, 'Email addresses are at most 254 characters.'),
	v.email('Enter a valid email address, like name@clinic.org.')
);

export const NameSchema = v.pipe(
	v.string(),
	v.trim(),
	visibleText(),
	v.nonEmpty('Enter a name.'),
	v.maxLength(200, 'Use at most 200 characters.')
);

// Characters are code points, as the server counts them: v.minLength would count an emoji as two.
const characters = (s: string) => [...s].length;

export const NewPasswordSchema = v.pipe(
	v.string(),
	v.check((s) => characters(s) >= MIN, `Use at least ${MIN} characters.`),
	v.check((s) => characters(s) <= MAX, `Use at most ${MAX} characters.`)
);

/** The name of a personal API token, shown in the token list and the audit log. */
export const TokenNameSchema = v.pipe(
	v.string(),
	v.trim(),
	visibleText(),
	v.nonEmpty('Name the token (1–100 characters), e.g. “R analysis”.'),
	v.maxLength(100, 'Name the token (1–100 characters), e.g. “R analysis”.')
);

export const RoleSchema = v.picklist(ROLE_OPTIONS, 'Choose a role.');

export const NewUserSchema = v.object({
	email: EmailSchema,
	name: NameSchema,
	role: RoleSchema,
	password: NewPasswordSchema
});

export const FirstAdminSchema = v.pipe(
	v.object({
		email: EmailSchema,
		name: NameSchema,
		password: NewPasswordSchema,
		confirm: v.string()
	}),
	v.forward(
		v.partialCheck(
			[['password'], ['confirm']],
			(input) => input.password === input.confirm,
			'The two passwords differ.'
		),
		['confirm']
	)
);

export const ChangePasswordSchema = v.pipe(
	v.object({
		current: v.pipe(v.string(), v.nonEmpty('Enter your current password.')),
		password: NewPasswordSchema,
		confirm: v.string()
	}),
	v.forward(
		v.partialCheck(
			[['password'], ['confirm']],
			(input) => input.password === input.confirm,
			'The two passwords differ.'
		),
		['confirm']
	)
);

export const LoginSchema = v.object({
	email: v.pipe(v.string(), v.trim(), v.toLowerCase(), v.nonEmpty('Enter your email address.')),
	password: v.pipe(v.string(), v.nonEmpty('Enter your password.'))
});
