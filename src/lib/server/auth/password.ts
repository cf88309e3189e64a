import { hash, verify } from '@node-rs/argon2';

// OWASP Password Storage Cheat Sheet, argon2id minimum: m = 19 MiB, t = 2, p = 1.
const ARGON2_OPTIONS = { memoryCost: 19456, timeCost: 2, parallelism: 1, outputLen: 32 } as const;

// ASVS 5.0 V6.2: at least 12 characters, at most 64+ allowed, no composition rules.
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

// The commonest passwords that meet the length rule (from public breach top lists); a fuller
// check with a strength library is planned with multi-factor sign-in.
const COMMON_PASSWORDS = new Set([
	'123456789012',
	'1234567890123',
	'12345678901234',
	'123123123123',
	'111111111111',
	'000000000000',
	'password1234',
	'password12345',
	'password123456',
	'passwordpassword',
	'qwertyuiop12',
	'qwertyuiopasdf',
	'qwerty123456',
	'1q2w3e4r5t6y',
	'1qaz2wsx3edc',
	'iloveyou1234',
	'administrator',
	'welcome12345',
	'letmein12345',
	'abcdefghijkl',
	'abc123abc123',
	'changeme1234',
	'outcometracker'
]);

/** Returns a message for the user, or null when the password is acceptable. */
export function passwordProblem(password: string, email?: string): string | null {
	const length = [...password].length;
	if (length < PASSWORD_MIN_LENGTH) return `Use at least ${PASSWORD_MIN_LENGTH} characters.`;
	if (length > PASSWORD_MAX_LENGTH) return `Use at most ${PASSWORD_MAX_LENGTH} characters.`;
	const lower = password.toLowerCase();
	if (COMMON_PASSWORDS.has(lower) || /^(.)\1+$/.test(password)) {
		return 'This password is among the most common ones; choose another.';
	}
	if (email && lower === email.toLowerCase()) return 'Do not use your email address as password.';
	return null;
}

export function hashPassword(password: string): Promise<string> {
	return hash(password, ARGON2_OPTIONS);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
	try {
		return await verify(passwordHash, password);
	} catch {
		return false;
	}
}

// Verified against when the account does not exist, so both paths take the same time.
let dummyHash: Promise<string> | undefined;
export function dummyPasswordHash(): Promise<string> {
	dummyHash ??= hashPassword('not-a-real-password-for-timing');
	return dummyHash;
}
