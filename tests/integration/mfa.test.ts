import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { generateHOTP } from '@oslojs/otp';
import { decodeBase32IgnorePadding } from '@oslojs/encoding';
import type { Db } from '../../src/lib/server/db';
import { auditLog, users } from '../../src/lib/server/db/schema';
import {
	beginEnrolment,
	confirmEnrolment,
	mfaRequiredRoles,
	mfaState,
	regenerateRecoveryCodes,
	removeMfa,
	setMfaRequiredRoles,
	verifySecondFactor
} from '../../src/lib/server/auth/mfa';
import { clearLockout, isThrottled, listLockouts, recordAttempt } from '../../src/lib/server/auth/throttle';
import { createSession, generateSessionToken, validateSessionToken } from '../../src/lib/server/auth/session';
import { verifyAuditChain } from '../../src/lib/server/audit';
import { driverName, resetDatabase, testDatabase } from './db';
import { makeUser } from './helpers';

let db: Db;
beforeAll(async () => {
	db = (await testDatabase()).db;
});
beforeEach(() => resetDatabase(db));
afterAll(() => resetDatabase(db));

/** What an authenticator app shows at `ms` for a key typed in from the page. */
function appCode(secret: string, ms: number): string {
	const key = decodeBase32IgnorePadding(secret.replace(/\s/g, ''));
	return generateHOTP(key, BigInt(Math.floor(ms / 30_000)), 6);
}

async function enrolled(role: 'clinician' | 'admin' = 'clinician', at = Date.now()) {
	const user = await makeUser(db, role);
	const enrolment = await beginEnrolment(db, user.id);
	if (!enrolment) throw new Error('no enrolment');
	const result = await confirmEnrolment(db, { id: user.id }, appCode(enrolment.secret, at), at);
	if (!result.ok) throw new Error(result.message);
	return { user, secret: enrolment.secret, codes: result.value };
}

describe(`two-factor enrolment (${driverName})`, () => {
	it('shows a QR code for an otpauth URI and keeps the same key until confirmed', async () => {
		const user = await makeUser(db);
		const first = await beginEnrolment(db, user.id);
		const uri = new URL(first!.uri);
		expect(uri.protocol + uri.host).toBe('otpauth:totp');
		expect(decodeURIComponent(uri.pathname)).toBe(`/Outcome Tracker:${user.email}`);
		expect(uri.searchParams.get('secret')).toBe(first!.secret.replace(/\s/g, ''));
		expect(Object.fromEntries([...uri.searchParams].filter(([k]) => k !== 'secret'))).toEqual({ issuer: 'Outcome Tracker', algorithm: 'SHA1', digits: '6', period: '30' });
		expect(first?.qrSvg).toMatch(/^<svg[\s\S]*<\/svg>$/);
		expect((await beginEnrolment(db, user.id))?.secret).toBe(first?.secret);
		expect((await mfaState(db, user.id)).enabled).toBe(false);
	});

	it('refuses a wrong code and turns on with the right one, with ten recovery codes and an audit row', async () => {
		const user = await makeUser(db);
		const enrolment = (await beginEnrolment(db, user.id))!;
		const now = Date.now();
		const wrong = appCode(enrolment.secret, now - 5 * 60_000);
		expect(await confirmEnrolment(db, { id: user.id }, wrong, now)).toMatchObject({ ok: false });
		expect((await mfaState(db, user.id)).enabled).toBe(false);
		const result = await confirmEnrolment(db, { id: user.id }, appCode(enrolment.secret, now), now);
		expect(result.ok).toBe(true);
		if (!result.ok) return;
		expect(result.value).toHaveLength(10);
		expect(new Set(result.value).size).toBe(10);
		for (const code of result.value) expect(code).toMatch(/^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/);
		expect(await mfaState(db, user.id)).toMatchObject({ enabled: true, recoveryCodesLeft: 10 });
		expect(await beginEnrolment(db, user.id)).toBeNull();
		const audit = await db.select().from(auditLog).where(and(eq(auditLog.entityId, user.id), eq(auditLog.action, 'mfa_enable')));
		expect(audit).toHaveLength(1);
		expect(await verifyAuditChain(db)).toMatchObject({ intact: true });
	});
});

describe(`second factor at sign-in (${driverName})`, () => {
	it('accepts the current code once, a neighbouring step for clock drift, never an old one', async () => {
		const start = Date.now();
		const { user, secret } = await enrolled('clinician', start);
		const later = start + 5 * 60_000;
		expect(await verifySecondFactor(db, user.id, appCode(secret, later), later)).toBe('totp');
		// The same code again (a replay within its 30 seconds) is refused.
		expect(await verifySecondFactor(db, user.id, appCode(secret, later), later)).toBeNull();
		// The phone's clock 30 s ahead: still fine; two minutes behind: not.
		const next = later + 60_000;
		expect(await verifySecondFactor(db, user.id, appCode(secret, next + 30_000), next)).toBe('totp');
		expect(await verifySecondFactor(db, user.id, appCode(secret, next + 5 * 60_000 - 120_000), next + 5 * 60_000)).toBeNull();
		expect(await verifySecondFactor(db, user.id, 'not a code', next)).toBeNull();
		expect(await verifySecondFactor(db, user.id, '', next)).toBeNull();
	});

	it('accepts each recovery code once, typed in any case with or without dashes; new codes replace the old', async () => {
		const { user, codes, secret } = await enrolled();
		expect(await verifySecondFactor(db, user.id, codes[0]!.toUpperCase().replace(/-/g, ' '))).toBe('recovery');
		expect(await verifySecondFactor(db, user.id, codes[0]!)).toBeNull();
		expect((await mfaState(db, user.id)).recoveryCodesLeft).toBe(9);
		const fresh = await regenerateRecoveryCodes(db, { id: user.id });
		expect(fresh.ok).toBe(true);
		expect(await verifySecondFactor(db, user.id, codes[1]!)).toBeNull();
		if (fresh.ok) expect(await verifySecondFactor(db, user.id, fresh.value[0]!)).toBe('recovery');
		expect((await mfaState(db, user.id)).recoveryCodesLeft).toBe(9);
		// Someone else's code does nothing for this user.
		const other = await enrolled();
		expect(await verifySecondFactor(db, user.id, other.codes[0]!)).toBeNull();
		expect(secret).not.toBe(other.secret);
	});

	it('is off after an administrator resets it, and every old code stops working', async () => {
		const admin = await makeUser(db, 'admin');
		const { user, codes, secret } = await enrolled();
		expect(await removeMfa(db, { id: admin.id }, user.id, 'admin_reset')).toBe(true);
		expect(await mfaState(db, user.id)).toMatchObject({ enabled: false, recoveryCodesLeft: 0 });
		expect(await verifySecondFactor(db, user.id, codes[2]!)).toBeNull();
		expect(await verifySecondFactor(db, user.id, appCode(secret, Date.now() + 90_000))).toBeNull();
		const [row] = await db.select({ key: users.totpKey }).from(users).where(eq(users.id, user.id));
		expect(row?.key).toBeNull();
		const audit = await db.select().from(auditLog).where(and(eq(auditLog.entityId, user.id), eq(auditLog.action, 'mfa_reset')));
		expect(audit[0]?.actorId).toBe(admin.id);
		expect(await removeMfa(db, { id: admin.id }, user.id, 'admin_reset')).toBe(false);
	});

	it('keeps the key within the constraint: sealed, enabled only with a key', async () => {
		const user = await makeUser(db);
		await expect(db.update(users).set({ totpKey: new Uint8Array(10), totpEnabledAt: new Date() }).where(eq(users.id, user.id))).rejects.toThrow();
		await expect(db.update(users).set({ totpEnabledAt: new Date() }).where(eq(users.id, user.id))).rejects.toThrow();
	});
});

describe(`administrator's MFA requirement (${driverName})`, () => {
	it('starts empty, saves roles, and audits the change', async () => {
		const admin = await makeUser(db, 'admin');
		expect(await mfaRequiredRoles(db)).toEqual([]);
		await setMfaRequiredRoles(db, { id: admin.id }, ['admin', 'clinician']);
		expect(await mfaRequiredRoles(db)).toEqual(['admin', 'clinician']);
		await setMfaRequiredRoles(db, { id: admin.id }, ['researcher']);
		expect(await mfaRequiredRoles(db)).toEqual(['researcher']);
		const audit = await db.select().from(auditLog).where(eq(auditLog.entity, 'security_settings'));
		expect(audit.map((a) => a.after)).toEqual([{ mfaRequiredRoles: ['admin', 'clinician'] }, { mfaRequiredRoles: ['researcher'] }]);
	});
});

describe(`pending sign-in sessions (${driverName})`, () => {
	it('carry their step and last ten minutes', async () => {
		const user = await makeUser(db);
		const token = generateSessionToken();
		const now = new Date();
		const limits = { idleMinutes: 60, maxHours: 12 };
		await createSession(db, token, user.id, limits, now, 'verify');
		const valid = await validateSessionToken(db, token, limits, new Date(now.getTime() + 9 * 60_000));
		expect(valid.session?.pending).toBe('verify');
		expect((await validateSessionToken(db, token, limits, new Date(now.getTime() + 11 * 60_000))).session).toBeNull();
	});
});

describe(`lock-outs with backoff (${driverName})`, () => {
	const limits = { windowMinutes: 15, accountMax: 5, addressMax: 30 };
	const minutes = (base: Date, n: number) => new Date(base.getTime() + n * 60_000);

	it('lock for the window after the last failure, doubling with each failure after a lock ran out', async () => {
		const t0 = new Date(Date.now() - 3 * 3_600_000);
		for (let i = 0; i < 5; i++) await recordAttempt(db, 'x@clinic.test', '10.0.0.1', false, minutes(t0, i));
		const last = minutes(t0, 4);
		expect(await isThrottled(db, 'x@clinic.test', '10.0.0.9', limits, minutes(last, 14))).toBe(true);
		expect(await isThrottled(db, 'x@clinic.test', '10.0.0.9', limits, minutes(last, 16))).toBe(false);
		await recordAttempt(db, 'x@clinic.test', '10.0.0.1', false, minutes(last, 16));
		expect(await isThrottled(db, 'x@clinic.test', '10.0.0.9', limits, minutes(last, 16 + 29))).toBe(true);
		expect(await isThrottled(db, 'x@clinic.test', '10.0.0.9', limits, minutes(last, 16 + 31))).toBe(false);
		await recordAttempt(db, 'x@clinic.test', '10.0.0.1', false, minutes(last, 50));
		expect(await isThrottled(db, 'x@clinic.test', '10.0.0.9', limits, minutes(last, 50 + 59))).toBe(true);
		// A success on the account ends its count.
		await recordAttempt(db, 'x@clinic.test', '10.0.0.1', true, minutes(last, 120));
		expect(await isThrottled(db, 'x@clinic.test', '10.0.0.9', limits, minutes(last, 121))).toBe(false);
	});

	it('are listed for administrators and cleared by them, with an audit row', async () => {
		const admin = await makeUser(db, 'admin');
		const now = new Date();
		for (let i = 0; i < 5; i++) await recordAttempt(db, 'locked@clinic.test', '192.0.2.7', false, minutes(now, -i));
		for (let i = 0; i < 3; i++) await recordAttempt(db, 'almost@clinic.test', '192.0.2.8', false, minutes(now, -i));
		const tight = { ...limits, addressMax: 5 };
		const listed = await listLockouts(db, tight, now);
		expect(listed.map((l) => `${l.kind}:${l.key}:${l.failures}`).sort()).toEqual(['account:locked@clinic.test:5', 'address:192.0.2.7:5']);
		expect(listed[0]!.lockedUntil.getTime()).toBe(now.getTime() + 15 * 60_000);
		await clearLockout(db, { id: admin.id }, 'account', 'locked@clinic.test');
		expect(await isThrottled(db, 'locked@clinic.test', '10.0.0.1', tight)).toBe(false);
		expect(await isThrottled(db, 'someone@clinic.test', '192.0.2.7', tight)).toBe(true);
		await clearLockout(db, { id: admin.id }, 'address', '192.0.2.7');
		expect(await isThrottled(db, 'someone@clinic.test', '192.0.2.7', tight)).toBe(false);
		expect(await listLockouts(db, tight)).toEqual([]);
		const audit = await db.select().from(auditLog).where(eq(auditLog.action, 'clear_lockout'));
		expect(audit.map((a) => a.entityId).sort()).toEqual(['account:locked@clinic.test', 'address:192.0.2.7']);
	});
});
