/**
 * TOTP keys at rest (issue 23 #6): the database holds them sealed under a key kept outside it;
 * keys stored in clear by an earlier version are sealed at start-up; the key can be rotated.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import { generateHOTP } from '@oslojs/otp';
import { decodeBase32IgnorePadding } from '@oslojs/encoding';
import { executeRows, type Db } from '../../src/lib/server/db';
import { auditLog, users } from '../../src/lib/server/db/schema';
import { beginEnrolment, confirmEnrolment, verifySecondFactor } from '../../src/lib/server/auth/mfa';
import { loadMfaKeys, sealStoredTotpKeys, setMfaKeys } from '../../src/lib/server/auth/totp-seal';
import { settings } from '../../src/lib/server/config';
import { verifyAuditChain } from '../../src/lib/server/audit';
import { driverName, resetDatabase, testDatabase } from './db';
import { makeUser } from './helpers';

let db: Db;
beforeAll(async () => {
	db = (await testDatabase()).db;
});
beforeEach(() => resetDatabase(db));
afterEach(() => setMfaKeys(loadMfaKeys(settings())));
afterAll(() => resetDatabase(db));

const code = (key: Uint8Array, ms: number) => generateHOTP(key, BigInt(Math.floor(ms / 30_000)), 6);
const keyOf = (secret: string) => decodeBase32IgnorePadding(secret.replace(/\s/g, ''));
const contains = (haystack: Uint8Array, needle: Uint8Array) => Buffer.from(haystack).indexOf(Buffer.from(needle)) >= 0;

async function rawKeys(userId: string) {
	const [row] = await db.select({ key: users.totpKey, pending: users.totpPendingKey }).from(users).where(eq(users.id, userId));
	return row!;
}

async function enrol(at = Date.now()) {
	const user = await makeUser(db);
	const enrolment = (await beginEnrolment(db, user.id))!;
	const key = keyOf(enrolment.secret);
	const confirmed = await confirmEnrolment(db, { id: user.id }, code(key, at), at);
	if (!confirmed.ok) throw new Error(confirmed.message);
	return { user, key, enrolment };
}

describe(`TOTP keys at rest (${driverName})`, () => {
	it('keeps no clear key in the database, and sign-in with a code still works', async () => {
		const user = await makeUser(db);
		const enrolment = (await beginEnrolment(db, user.id))!;
		const key = keyOf(enrolment.secret);
		const pending = (await rawKeys(user.id)).pending!;
		expect(pending.byteLength).toBe(57);
		expect(contains(pending, key)).toBe(false);
		// The same key is shown again (read back through the seal).
		expect((await beginEnrolment(db, user.id))!.secret).toBe(enrolment.secret);

		const now = Date.now();
		expect(await confirmEnrolment(db, { id: user.id }, code(key, now), now)).toMatchObject({ ok: true });
		const stored = await rawKeys(user.id);
		expect(stored.pending).toBeNull();
		expect(stored.key!.byteLength).toBe(57);
		expect(contains(stored.key!, key)).toBe(false);
		const later = now + 60_000;
		expect(await verifySecondFactor(db, user.id, code(key, later), later)).toBe('totp');

		// Whatever writes to the table: a clear key is refused by the database itself.
		await expect(db.update(users).set({ totpKey: key }).where(eq(users.id, user.id))).rejects.toThrow();
	});

	it("will not open one user's sealed key in another user's row", async () => {
		const a = await enrol();
		const b = await enrol();
		const sealedA = (await rawKeys(a.user.id)).key!;
		await db.update(users).set({ totpKey: sealedA }).where(eq(users.id, b.user.id));
		const later = Date.now() + 60_000;
		expect(await verifySecondFactor(db, b.user.id, code(a.key, later), later)).toBeNull();
	});

	it('seals a key stored in clear by an earlier version at start-up, once, and then validates the constraint', async () => {
		const user = await makeUser(db);
		const clear = new Uint8Array(20).map((_, i) => i * 7 + 3);
		// The table as it was before migration 0016, then the migration's own constraint.
		await db.execute(sql`alter table users drop constraint users_totp_key_sealed`);
		await db.update(users).set({ totpKey: clear, totpEnabledAt: new Date(), totpLastStep: null }).where(eq(users.id, user.id));
		await db.execute(sql.raw(`alter table users add constraint users_totp_key_sealed check ((totp_key is null or (octet_length(totp_key) = 57 and get_byte(totp_key, 0) = 1)) and (totp_pending_key is null or (octet_length(totp_pending_key) = 57 and get_byte(totp_pending_key, 0) = 1))) not valid`));

		expect(await sealStoredTotpKeys(db)).toMatchObject({ sealed: 1, resealed: 0, unreadable: 0 });
		const stored = (await rawKeys(user.id)).key!;
		expect(stored.byteLength).toBe(57);
		expect(contains(stored, clear)).toBe(false);
		const now = Date.now();
		expect(await verifySecondFactor(db, user.id, code(clear, now), now)).toBe('totp');

		expect(await sealStoredTotpKeys(db)).toMatchObject({ sealed: 0, resealed: 0 });
		const [constraint] = await executeRows(db, sql`select convalidated from pg_constraint where conname = 'users_totp_key_sealed'`);
		expect(constraint?.convalidated).toBe(true);
		const audit = await db.select().from(auditLog).where(and(eq(auditLog.action, 'mfa_keys_sealed'), eq(auditLog.entity, 'users')));
		expect(audit).toHaveLength(1);
		expect(await verifyAuditChain(db, { anchorFile: null })).toMatchObject({ intact: true });
	});

	it('rotates: a key sealed under the previous MFA_ENCRYPTION_KEY still opens, and start-up reseals it under the new one', async () => {
		setMfaKeys({ current: 'the-old-mfa-encryption-key-0123456789abcdef', previous: [] });
		const { user, key } = await enrol();
		const before = (await rawKeys(user.id)).key!;
		setMfaKeys({ current: 'the-new-mfa-encryption-key-0123456789abcdef', previous: ['the-old-mfa-encryption-key-0123456789abcdef'] });
		const t1 = Date.now() + 60_000;
		expect(await verifySecondFactor(db, user.id, code(key, t1), t1)).toBe('totp');
		expect(await sealStoredTotpKeys(db)).toMatchObject({ sealed: 0, resealed: 1 });
		expect(Buffer.from((await rawKeys(user.id)).key!).equals(Buffer.from(before))).toBe(false);
		// The old key can go now.
		setMfaKeys({ current: 'the-new-mfa-encryption-key-0123456789abcdef', previous: [] });
		const t2 = t1 + 60_000;
		expect(await verifySecondFactor(db, user.id, code(key, t2), t2)).toBe('totp');
		// Without the key it was sealed under, a key cannot be opened: counted, not guessed.
		setMfaKeys({ current: 'an-unrelated-mfa-encryption-key-0123456789', previous: [] });
		expect(await sealStoredTotpKeys(db)).toMatchObject({ unreadable: 1 });
		const t3 = t2 + 60_000;
		expect(await verifySecondFactor(db, user.id, code(key, t3), t3)).toBeNull();
	});
});
