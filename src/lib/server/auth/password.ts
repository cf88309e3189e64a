import { hash, verify } from '@node-rs/argon2';
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as en from '@zxcvbn-ts/language-en';

// OWASP Password Storage Cheat Sheet, argon2id minimum: m = 19 MiB, t = 2, p = 1.
const ARGON2_OPTIONS = { memoryCost: 19456, timeCost: 2, parallelism: 1, outputLen: 32 } as const;

// ASVS 5.0 V6.2: at least 12 characters, at most 64+ allowed, no composition rules.
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

// Strength by zxcvbn (Wheeler, USENIX Security 2016) with its common-password, name and English
// dictionaries: it finds breached-list passwords, keyboard walks, repeats, dates and l33t speak.
// Score 3 = "safely unguessable: moderate protection from offline slow-hash scenario" (< 10^10
// guesses is below 3); NIST SP 800-63B 3.1.1.2 asks for a blocklist check, not composition rules.
const MIN_SCORE = 3;
let checker: ZxcvbnFactory | undefined;
function strength(): ZxcvbnFactory {
	checker ??= new ZxcvbnFactory({
		translations: en.translations,
		graphs: common.adjacencyGraphs,
		dictionary: { ...common.dictionary, ...en.dictionary },
		useLevenshteinDistance: false
	});
	return checker;
}

/** Returns a message for the user, or null when the password is acceptable. */
export function passwordProblem(password: string, email?: string, name?: string): string | null {
	const length = [...password].length;
	if (length < PASSWORD_MIN_LENGTH) return `Use at least ${PASSWORD_MIN_LENGTH} characters.`;
	if (length > PASSWORD_MAX_LENGTH) return `Use at most ${PASSWORD_MAX_LENGTH} characters.`;
	if (email && password.toLowerCase() === email.toLowerCase()) return 'Do not use your email address as password.';
	// Only the first 100 characters are scored: zxcvbn's time grows with length, and 100
	// characters that pass are strong whatever follows.
	const local = email?.split('@')[0] ?? '';
	const inputs = [email ?? '', local, ...local.split(/[._+-]/), ...(email?.split('@')[1]?.split('.') ?? []), name ?? '', ...(name?.split(/\s+/) ?? []), 'outcome', 'tracker', 'clinic']
		.map((w) => w.toLowerCase())
		.filter((w) => w.length > 2);
	const result = strength().check([...password].slice(0, 100).join(''), inputs);
	if (result.score >= MIN_SCORE) return null;
	const advice = 'a few unrelated words make a strong password.';
	return result.feedback.warning
		? `${result.feedback.warning} Choose a harder one: ${advice}`
		: `This password is too easy to guess: ${advice}`;
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
