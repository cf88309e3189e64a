/**
 * What a signed-in user proves again on the account page before a sensitive change: the current
 * password (new password, turning two-factor sign-in off) or a code from the authenticator app
 * (new recovery codes). Whoever holds a stolen session cookie could guess here, so each check
 * goes through sign-in's own throttle (`throttledAttempt`: per account and per address, the
 * same backoff, rows in login_attempts), and a code is used up only together with the change it
 * unlocks, in one transaction.
 */
import type { Db } from '../db';
import type { Role } from '../db/schema';
import { checkPassword, setPassword } from '../users';
import { mfaRequiredRoles, regenerateRecoveryCodes, removeMfa, verifySecondFactor } from './mfa';
import { throttledAttempt, type ThrottleLimits } from './throttle';

/** The signed-in user and where the request came from. */
export interface Who {
	id: string;
	email: string;
	role?: Role;
	address: string;
	requestId?: string;
}

export type RecheckResult<T extends object = object> =
	| ({ ok: true } & T)
	/** 'throttled': too many failures (THROTTLED_MESSAGE); 'invalid': the password or code is wrong. */
	| { ok: false; reason: 'throttled' | 'invalid' }
	/** Proven, but the change itself was refused (a weak new password, say): `message` at `field`. */
	| { ok: false; reason: 'refused'; field: string; message: string };

const attempt = (db: Db, who: Who, limits: ThrottleLimits, check: () => Promise<boolean>) =>
	throttledAttempt(db, who.email, who.address, limits, check);

/** A new password, proven with the current one; the caller's own session (`keepSessionId`) stays. */
export async function changeOwnPassword(db: Db, who: Who, current: string, password: string, limits: ThrottleLimits, keepSessionId?: string): Promise<RecheckResult> {
	const outcome = await attempt(db, who, limits, () => checkPassword(db, who.id, current));
	if (outcome !== 'ok') return { ok: false, reason: outcome };
	const result = await setPassword(db, { id: who.id, requestId: who.requestId }, who.id, password, keepSessionId);
	return result.ok ? { ok: true } : { ok: false, reason: 'refused', field: result.field, message: result.message };
}

/** Turns two-factor sign-in off, proven with the password; not where the role requires it (refused before any count). */
export async function disableOwnMfa(db: Db, who: Who, password: string, limits: ThrottleLimits): Promise<RecheckResult> {
	if (who.role && (await mfaRequiredRoles(db)).includes(who.role)) {
		return { ok: false, reason: 'refused', field: 'mfaPassword', message: 'Your administrator requires two-factor sign-in for your role.' };
	}
	const outcome = await attempt(db, who, limits, () => checkPassword(db, who.id, password));
	if (outcome !== 'ok') return { ok: false, reason: outcome };
	// Already off (another tab turned it off): the user asked for off, and off it is.
	await removeMfa(db, { id: who.id, requestId: who.requestId }, who.id, 'self');
	return { ok: true };
}

class NotDone extends Error {}

/**
 * Ten new recovery codes (the old ones stop), proven with a current code from the app. Only an
 * app code counts here (a recovery code is refused and stays unused), and its time step is used
 * up in the same transaction that stores the new codes: both happen, or neither.
 */
export async function newRecoveryCodesWithAppCode(db: Db, who: Who, code: string, limits: ThrottleLimits, now = Date.now()): Promise<RecheckResult<{ codes: string[] }>> {
	let codes: string[] = [];
	const outcome = await attempt(db, who, limits, async () => {
		try {
			return await db.transaction(async (tx) => {
				if ((await verifySecondFactor(tx, who.id, code, now, 'totp')) !== 'totp') return false;
				const result = await regenerateRecoveryCodes(tx, { id: who.id, requestId: who.requestId });
				if (!result.ok) throw new NotDone(result.message); // rolls the used time step back
				codes = result.value;
				return true;
			});
		} catch (err) {
			if (err instanceof NotDone) return false;
			throw err;
		}
	});
	if (outcome !== 'ok') return { ok: false, reason: outcome };
	return { ok: true, codes };
}
