/**
 * Multi-factor sign-in with TOTP (RFC 6238) from an authenticator app, plus one-time recovery
 * codes. The one-time-password arithmetic is @oslojs/otp's; this module only decides which time
 * steps are acceptable and keeps state. Every change is one transaction with its audit row.
 */
import { and, eq, isNull, sql } from 'drizzle-orm';
import { createTOTPKeyURI, verifyHOTP } from '@oslojs/otp';
import { encodeBase32UpperCaseNoPadding, encodeBase32LowerCaseNoPadding } from '@oslojs/encoding';
import { renderSVG } from 'uqr';
import type { Db } from '../db';
import { recoveryCodes, securitySettings, users, type Role } from '../db/schema';
import { appendAudit } from '../audit';
import { invalidateUserSessions, sessionIdFromToken } from './session';
import { revokeUserApiTokens } from './tokens';
import { openTotpKey, sealTotpKey } from './totp-seal';

// RFC 6238 defaults that every authenticator app supports: 30-second steps, 6 digits, SHA-1,
// and a 160-bit key (RFC 4226 section 4 recommends 160 bits).
const PERIOD_SECONDS = 30;
const DIGITS = 6;
const KEY_BYTES = 20;
// One step either side for clock drift between phone and server (RFC 6238 section 5.2).
const DRIFT_STEPS = 1;
export const RECOVERY_CODE_COUNT = 10;
const ISSUER = 'Outcome Tracker';

export interface Actor {
	id: string;
	requestId?: string;
}

export interface MfaState {
	enabled: boolean;
	enabledAt: Date | null;
	recoveryCodesLeft: number;
}

export async function mfaState(db: Db, userId: string): Promise<MfaState> {
	const [row] = await db
		.select({
			enabledAt: users.totpEnabledAt,
			left: sql<number>`(select count(*)::int from ${recoveryCodes} r where r.user_id = ${userId}::uuid and r.used_at is null and r.revoked_at is null)`
		})
		.from(users)
		.where(eq(users.id, userId));
	return { enabled: Boolean(row?.enabledAt), enabledAt: row?.enabledAt ?? null, recoveryCodesLeft: row?.left ?? 0 };
}

/** Roles that must use a second factor (the administrator's setting). */
export async function mfaRequiredRoles(db: Db): Promise<Role[]> {
	const [row] = await db.select({ roles: securitySettings.mfaRequiredRoles }).from(securitySettings);
	return (row?.roles ?? []) as Role[];
}

export async function setMfaRequiredRoles(db: Db, actor: Actor, roles: Role[]): Promise<void> {
	await db.transaction(async (tx) => {
		const before = await mfaRequiredRoles(tx);
		await tx
			.insert(securitySettings)
			.values({ id: 1, mfaRequiredRoles: roles, updatedAt: new Date() })
			.onConflictDoUpdate({ target: securitySettings.id, set: { mfaRequiredRoles: roles, updatedAt: new Date() } });
		await appendAudit(tx, {
			actorId: actor.id,
			action: 'update',
			entity: 'security_settings',
			entityId: '1',
			before: { mfaRequiredRoles: before },
			after: { mfaRequiredRoles: roles },
			requestId: actor.requestId
		});
	});
}

export interface Enrolment {
	/** The key for typing in by hand, base32 as authenticator apps expect it. */
	secret: string;
	uri: string;
	/** The otpauth URI as a QR code (SVG markup made here, never from user input). */
	qrSvg: string;
}

/** Starts (or shows again) setting up an authenticator: a new key waits until a code confirms it. */
export async function beginEnrolment(db: Db, userId: string): Promise<Enrolment | null> {
	const [row] = await db
		.select({ email: users.email, pending: users.totpPendingKey, enabledAt: users.totpEnabledAt })
		.from(users)
		.where(eq(users.id, userId));
	if (!row || row.enabledAt) return null;
	// A waiting key sealed under a key no longer configured is replaced by a new one.
	let key = row.pending ? openTotpKey(userId, row.pending) : null;
	if (!key) {
		const fresh = new Uint8Array(KEY_BYTES);
		crypto.getRandomValues(fresh);
		await db.update(users).set({ totpPendingKey: sealTotpKey(userId, fresh) }).where(eq(users.id, userId));
		key = fresh;
	}
	const uri = createTOTPKeyURI(ISSUER, row.email, key, PERIOD_SECONDS, DIGITS);
	return {
		secret: encodeBase32UpperCaseNoPadding(key).replace(/(.{4})/g, '$1 ').trim(),
		uri,
		qrSvg: renderSVG(uri, { ecc: 'M', border: 2 })
	};
}

/** The time step whose code this is (within the drift allowance), or null. */
export function matchingStep(key: Uint8Array, code: string, now = Date.now()): number | null {
	if (!/^\d{6}$/.test(code)) return null;
	const current = Math.floor(now / 1000 / PERIOD_SECONDS);
	for (let step = current - DRIFT_STEPS; step <= current + DRIFT_STEPS; step++) {
		if (verifyHOTP(key, BigInt(step), DIGITS, code)) return step;
	}
	return null;
}

export function normaliseCode(input: string): string {
	return input.replace(/[\s-]/g, '').toLowerCase();
}

function newRecoveryCodes(): string[] {
	return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
		// 10 random bytes = 80 bits, 16 base32 characters shown in groups of four.
		const bytes = new Uint8Array(10);
		crypto.getRandomValues(bytes);
		return encodeBase32LowerCaseNoPadding(bytes).replace(/(.{4})(?!$)/g, '$1-');
	});
}

async function replaceRecoveryCodes(tx: Db, userId: string): Promise<string[]> {
	const now = new Date();
	await tx
		.update(recoveryCodes)
		.set({ revokedAt: now })
		.where(and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt), isNull(recoveryCodes.revokedAt)));
	const codes = newRecoveryCodes();
	await tx.insert(recoveryCodes).values(codes.map((c) => ({ userId, codeHash: sessionIdFromToken(normaliseCode(c)), createdAt: now })));
	return codes;
}

export type MfaResult<T = void> = ({ ok: true } & (T extends void ? unknown : { value: T })) | { ok: false; message: string };

/** Confirms the pending key with a code from the app; returns the recovery codes (shown once). */
export async function confirmEnrolment(db: Db, actor: Actor, code: string, now = Date.now()): Promise<MfaResult<string[]>> {
	return db.transaction(async (tx): Promise<MfaResult<string[]>> => {
		const [row] = await tx
			.select({ pending: users.totpPendingKey, enabledAt: users.totpEnabledAt })
			.from(users)
			.where(eq(users.id, actor.id))
			.for('update');
		if (!row || row.enabledAt) return { ok: false, message: 'Two-factor sign-in is already set up.' };
		if (!row.pending) return { ok: false, message: 'Start the set-up again: no key is waiting.' };
		const pending = openTotpKey(actor.id, row.pending);
		if (!pending) return { ok: false, message: 'Start the set-up again: no key is waiting.' };
		const step = matchingStep(pending, code.trim(), now);
		if (step === null) return { ok: false, message: 'That code does not match. Check the time on your phone and type the current code.' };
		const enabledAt = new Date(now);
		await tx
			.update(users)
			// The sealed key moves as it is: it is sealed for this user, whichever column holds it.
			.set({ totpKey: row.pending, totpPendingKey: null, totpLastStep: step, totpEnabledAt: enabledAt, updatedAt: enabledAt })
			.where(eq(users.id, actor.id));
		const codes = await replaceRecoveryCodes(tx, actor.id);
		await appendAudit(tx, { actorId: actor.id, action: 'mfa_enable', entity: 'user', entityId: actor.id, before: { mfa: false }, after: { mfa: true }, requestId: actor.requestId });
		return { ok: true, value: codes };
	});
}

/**
 * Checks a second factor at sign-in: a current TOTP code (each time step accepted once) or an
 * unused recovery code (used up by this). Returns which kind matched, or null. `accept` 'totp'
 * takes an app code only: a recovery code typed there is neither accepted nor used up.
 */
export async function verifySecondFactor(db: Db, userId: string, input: string, now = Date.now(), accept: 'any' | 'totp' = 'any'): Promise<'totp' | 'recovery' | null> {
	const code = normaliseCode(input);
	if (code.length === 0 || code.length > 64) return null;
	if (accept === 'totp' && !/^\d{6}$/.test(code)) return null;
	return db.transaction(async (tx) => {
		if (/^\d{6}$/.test(code)) {
			const [row] = await tx
				.select({ key: users.totpKey, last: users.totpLastStep })
				.from(users)
				.where(eq(users.id, userId))
				.for('update');
			if (!row?.key) return null;
			const key = openTotpKey(userId, row.key);
			if (!key) {
				console.error(`The TOTP key of user ${userId} cannot be opened: check MFA_ENCRYPTION_KEY (and MFA_ENCRYPTION_KEYS_PREVIOUS).`);
				return null;
			}
			const step = matchingStep(key, code, now);
			if (step === null || (row.last !== null && step <= row.last)) return null;
			await tx.update(users).set({ totpLastStep: step }).where(eq(users.id, userId));
			return 'totp';
		}
		const [used] = await tx
			.update(recoveryCodes)
			.set({ usedAt: new Date(now) })
			.where(
				and(
					eq(recoveryCodes.userId, userId),
					eq(recoveryCodes.codeHash, sessionIdFromToken(code)),
					isNull(recoveryCodes.usedAt),
					isNull(recoveryCodes.revokedAt)
				)
			)
			.returning({ id: recoveryCodes.id });
		if (!used) return null;
		await appendAudit(tx, { actorId: userId, action: 'mfa_recovery_code', entity: 'user', entityId: userId, after: { recoveryCodeUsed: used.id }, requestId: null });
		return 'recovery';
	});
}

/** A new set of recovery codes; the old unused ones stop working. */
export async function regenerateRecoveryCodes(db: Db, actor: Actor): Promise<MfaResult<string[]>> {
	return db.transaction(async (tx): Promise<MfaResult<string[]>> => {
		const [row] = await tx.select({ enabledAt: users.totpEnabledAt }).from(users).where(eq(users.id, actor.id)).for('update');
		if (!row?.enabledAt) return { ok: false, message: 'Set up two-factor sign-in first.' };
		const codes = await replaceRecoveryCodes(tx, actor.id);
		await appendAudit(tx, { actorId: actor.id, action: 'mfa_recovery_codes', entity: 'user', entityId: actor.id, after: { recoveryCodes: RECOVERY_CODE_COUNT }, requestId: actor.requestId });
		return { ok: true, value: codes };
	});
}

/**
 * Turns the second factor off: by the user themself (`reason` 'self') or by an administrator
 * for a user who lost their phone and codes. Unused recovery codes are revoked; an administrator's
 * reset also ends the user's sessions and revokes their API tokens, in the same transaction.
 */
export async function removeMfa(db: Db, actor: Actor, userId: string, reason: 'self' | 'admin_reset'): Promise<boolean> {
	return db.transaction(async (tx) => {
		const [row] = await tx.select({ enabledAt: users.totpEnabledAt, pending: users.totpPendingKey }).from(users).where(eq(users.id, userId)).for('update');
		if (!row || (!row.enabledAt && !row.pending)) return false;
		const now = new Date();
		await tx.update(users).set({ totpKey: null, totpPendingKey: null, totpLastStep: null, totpEnabledAt: null, updatedAt: now }).where(eq(users.id, userId));
		await tx
			.update(recoveryCodes)
			.set({ revokedAt: now })
			.where(and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt), isNull(recoveryCodes.revokedAt)));
		if (reason === 'admin_reset') {
			await invalidateUserSessions(tx, userId);
			await revokeUserApiTokens(tx, actor, userId, 'mfa_reset');
		}
		await appendAudit(tx, {
			actorId: actor.id,
			action: reason === 'self' ? 'mfa_disable' : 'mfa_reset',
			entity: 'user',
			entityId: userId,
			before: { mfa: Boolean(row.enabledAt) },
			after: { mfa: false },
			requestId: actor.requestId
		});
		return true;
	});
}
