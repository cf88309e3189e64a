/**
 * A short PIN a clinician may set, as an alternative to the password, for ending patient mode on
 * a tablet (issue 21): quicker to type at the desk, and useless anywhere else (sign-in never takes
 * it). Stored as argon2id, like the password; setting it is proven with the password; every check
 * goes through sign-in's throttle (the same per-account and per-address counts), which is what
 * makes 6–8 digits enough: after LOGIN_THROTTLE_ACCOUNT_MAX (5) failures the account is locked,
 * each lock twice as long as the last.
 */
import { eq } from 'drizzle-orm';
import type { Db } from '../db';
import { users } from '../db/schema';
import { appendAudit } from '../audit';
import { checkPassword } from '../users';
import { dummyPasswordHash, hashPassword, verifyPassword } from './password';
import type { RecheckResult, Who } from './recheck';
import { throttledAttempt, type AttemptOutcome, type ThrottleLimits } from './throttle';

/** 6 to 8 digits: never a password (those are at least 12 characters), so the exit form can tell. */
export const KIOSK_PIN = /^\d{6,8}$/;

/** A message for the clinician, or null when the PIN may be used. */
export function kioskPinProblem(pin: string): string | null {
	if (!KIOSK_PIN.test(pin)) return 'Use 6 to 8 digits.';
	const digits = [...pin].map(Number);
	const steps = new Set(digits.slice(1).map((d, i) => (d - digits[i]! + 10) % 10));
	// One digit repeated (000000), or a run up or down (123456, 987654): the first guesses tried.
	if (steps.size === 1 && [0, 1, 9].includes([...steps][0]!)) return 'Not one digit repeated or a run of digits: choose digits that are hard to guess.';
	return null;
}

export async function hasKioskPin(db: Db, userId: string): Promise<boolean> {
	const [row] = await db.select({ pin: users.kioskPinHash }).from(users).where(eq(users.id, userId));
	return !!row?.pin;
}

/** Sets (or, with `pin` null, removes) the signed-in user's PIN, proven with their password; audited. */
export async function setOwnKioskPin(db: Db, who: Who, password: string, pin: string | null, limits: ThrottleLimits): Promise<RecheckResult> {
	if (pin !== null) {
		const problem = kioskPinProblem(pin);
		if (problem) return { ok: false, reason: 'refused', field: 'pin', message: problem };
	}
	const outcome = await throttledAttempt(db, who.email, who.address, limits, () => checkPassword(db, who.id, password));
	if (outcome !== 'ok') return { ok: false, reason: outcome };
	const kioskPinHash = pin === null ? null : await hashPassword(pin);
	await db.transaction(async (tx) => {
		await tx.update(users).set({ kioskPinHash, updatedAt: new Date() }).where(eq(users.id, who.id));
		await appendAudit(tx, { actorId: who.id, action: pin === null ? 'remove_kiosk_pin' : 'set_kiosk_pin', entity: 'user', entityId: who.id, requestId: who.requestId });
	});
	return { ok: true };
}

/** The clinician's PIN, under sign-in's throttle; 'invalid' when they have none. */
export function checkKioskPin(db: Db, who: Pick<Who, 'id' | 'email' | 'address'>, pin: string, limits: ThrottleLimits): Promise<AttemptOutcome> {
	return throttledAttempt(db, who.email, who.address, limits, async () => {
		const [row] = await db.select({ pin: users.kioskPinHash, active: users.active }).from(users).where(eq(users.id, who.id));
		// Verified against a dummy when there is no PIN, so both paths take the same time.
		const valid = await verifyPassword(row?.pin ?? (await dummyPasswordHash()), pin);
		return !!row?.pin && row.active && valid;
	});
}
