import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../src/lib/server/db';
import { auditLog, sessions, users } from '../../src/lib/server/db/schema';
import {
	authenticate,
	createFirstAdmin,
	createUser,
	hasAnyUser,
	setPassword,
	updateUserAccess
} from '../../src/lib/server/users';
import { createSession, generateSessionToken, validateSessionToken } from '../../src/lib/server/auth/session';
import { verifyAuditChain } from '../../src/lib/server/audit';
import { driverName, resetDatabase, testDatabase } from './db';
import { makeUser, PASSWORD } from './helpers';

const limits = { idleMinutes: 60, maxHours: 12 };
const throttle = { windowMinutes: 15, accountMax: 5, addressMax: 30 };
let db: Db;

beforeAll(async () => {
	db = (await testDatabase()).db;
});
beforeEach(() => resetDatabase(db));
afterAll(() => resetDatabase(db));

describe(`first administrator (${driverName})`, () => {
	it('creates one admin, then refuses a second set-up', async () => {
		const first = await createFirstAdmin(db, { email: 'a@clinic.test', name: 'A', password: PASSWORD });
		expect(first.ok).toBe(true);
		const second = await createFirstAdmin(db, { email: 'b@clinic.test', name: 'B', password: PASSWORD });
		expect(second).toMatchObject({ ok: false, field: 'form' });
		const all = await db.select({ email: users.email, role: users.role }).from(users);
		expect(all).toEqual([{ email: 'a@clinic.test', role: 'admin' }]);
	});

	it('lets only one of two simultaneous set-ups succeed', async () => {
		const results = await Promise.all(
			['x@clinic.test', 'y@clinic.test', 'z@clinic.test'].map((email) =>
				createFirstAdmin(db, { email, name: 'Racer', password: PASSWORD })
			)
		);
		expect(results.filter((r) => r.ok)).toHaveLength(1);
		const [{ n }] = (await db.select({ n: sql<number>`count(*)::int` }).from(users)) as [{ n: number }];
		expect(n).toBe(1);
	});

	it('is closed when an account was created another way first', async () => {
		await makeUser(db, 'clinician');
		const result = await createFirstAdmin(db, { email: 'late@clinic.test', name: 'Late', password: PASSWORD });
		expect(result.ok).toBe(false);
		expect(await hasAnyUser(db)).toBe(true);
	});
});

describe(`sessions (${driverName})`, () => {
	it('stores only the SHA-256 of the token and finds the user by it', async () => {
		const user = await makeUser(db, 'researcher');
		const token = generateSessionToken();
		expect(token.length).toBeGreaterThanOrEqual(26);
		await createSession(db, token, user.id, limits);
		const rows = await db.select({ id: sessions.id }).from(sessions);
		expect(rows).toHaveLength(1);
		expect(rows[0]!.id).toMatch(/^[0-9a-f]{64}$/);
		expect(rows[0]!.id).not.toContain(token);
		const found = await validateSessionToken(db, token, limits);
		expect(found.user).toMatchObject({ id: user.id, role: 'researcher' });
		expect((await validateSessionToken(db, token + 'x', limits)).user).toBeNull();
	});

	it('ends a session idle for longer than the idle timeout', async () => {
		const user = await makeUser(db);
		const token = generateSessionToken();
		const start = new Date();
		await createSession(db, token, user.id, limits, start);
		const at59 = new Date(start.getTime() + 59 * 60_000);
		expect((await validateSessionToken(db, token, limits, at59)).user).not.toBeNull();
		// Activity at 59 min moves the idle limit; 61 min after that it has expired.
		const later = new Date(at59.getTime() + 61 * 60_000);
		expect((await validateSessionToken(db, token, limits, later)).user).toBeNull();
		expect(await db.select().from(sessions)).toHaveLength(0);
	});

	it('ends an active session at its absolute lifetime', async () => {
		const user = await makeUser(db);
		const token = generateSessionToken();
		const start = new Date();
		await createSession(db, token, user.id, limits, start);
		for (let minutes = 50; minutes < 12 * 60; minutes += 50) {
			const at = new Date(start.getTime() + minutes * 60_000);
			expect((await validateSessionToken(db, token, limits, at)).user, `at ${minutes} min`).not.toBeNull();
		}
		const past = new Date(start.getTime() + 12 * 3_600_000 + 1000);
		expect((await validateSessionToken(db, token, limits, past)).user).toBeNull();
	});

	it('ends all sessions of a deactivated user, and of a user whose role changes', async () => {
		const admin = await makeUser(db, 'admin');
		const a = await makeUser(db, 'clinician');
		const b = await makeUser(db, 'clinician');
		const ta = generateSessionToken();
		const tb = generateSessionToken();
		await createSession(db, ta, a.id, limits);
		await createSession(db, tb, b.id, limits);
		expect((await updateUserAccess(db, { id: admin.id }, a.id, { active: false })).ok).toBe(true);
		expect((await updateUserAccess(db, { id: admin.id }, b.id, { role: 'researcher' })).ok).toBe(true);
		expect((await validateSessionToken(db, ta, limits)).user).toBeNull();
		expect((await validateSessionToken(db, tb, limits)).user).toBeNull();
		// The deactivated user cannot sign in again, and learns nothing more than a wrong password.
		expect(await authenticate(db, a.email, PASSWORD, '10.0.0.1', throttle)).toEqual({ ok: false, reason: 'invalid' });
	});

	it('keeps the current session but ends the others on an own password change', async () => {
		const user = await makeUser(db);
		const here = generateSessionToken();
		const elsewhere = generateSessionToken();
		const current = await createSession(db, here, user.id, limits);
		await createSession(db, elsewhere, user.id, limits);
		const result = await setPassword(db, { id: user.id }, user.id, 'another long passphrase', current.id);
		expect(result.ok).toBe(true);
		expect((await validateSessionToken(db, here, limits)).user).not.toBeNull();
		expect((await validateSessionToken(db, elsewhere, limits)).user).toBeNull();
		expect((await authenticate(db, user.email, 'another long passphrase', '10.0.0.2', throttle)).ok).toBe(true);
	});

	it('refuses to remove the last active administrator', async () => {
		const admin = await makeUser(db, 'admin');
		const result = await updateUserAccess(db, { id: admin.id }, admin.id, { role: 'clinician' });
		expect(result).toMatchObject({ ok: false, field: 'form' });
		const [row] = await db.select({ role: users.role }).from(users).where(eq(users.id, admin.id));
		expect(row?.role).toBe('admin');
	});
});

describe(`sign-in throttling (${driverName})`, () => {
	it('locks an account after repeated failures, even for the right password', async () => {
		const user = await makeUser(db);
		for (let i = 0; i < 5; i++) {
			expect(await authenticate(db, user.email, 'wrong password!!', '10.0.0.3', throttle)).toEqual({
				ok: false,
				reason: 'invalid'
			});
		}
		expect(await authenticate(db, user.email, PASSWORD, '10.0.0.4', throttle)).toEqual({
			ok: false,
			reason: 'throttled'
		});
	});

	it('treats an unknown account exactly like a known one', async () => {
		const unknown = 'nobody@clinic.test';
		for (let i = 0; i < 5; i++) {
			expect(await authenticate(db, unknown, 'wrong password!!', '10.0.0.5', throttle)).toEqual({
				ok: false,
				reason: 'invalid'
			});
		}
		expect((await authenticate(db, unknown, 'x', '10.0.0.5', throttle)).ok).toBe(false);
		expect(await authenticate(db, unknown, 'x', '10.0.0.6', throttle)).toEqual({ ok: false, reason: 'throttled' });
	});

	it('counts a burst of simultaneous wrong passwords one by one, stopping at the limit', async () => {
		const user = await makeUser(db);
		const results = await Promise.all(
			Array.from({ length: 20 }, (_, i) => authenticate(db, user.email, `wrong password ${i}!!`, `10.3.0.${i}`, throttle))
		);
		expect(results.filter((r) => !r.ok && r.reason === 'invalid')).toHaveLength(5);
		expect(results.filter((r) => !r.ok && r.reason === 'throttled')).toHaveLength(15);
		expect(await authenticate(db, user.email, PASSWORD, '10.3.1.1', throttle)).toEqual({ ok: false, reason: 'throttled' });
	});

	it('limits one address across many accounts', async () => {
		const user = await makeUser(db);
		const tight = { ...throttle, addressMax: 3 };
		for (let i = 0; i < 3; i++) await authenticate(db, `guess${i}@clinic.test`, 'wrong password!!', '10.9.9.9', tight);
		expect(await authenticate(db, user.email, PASSWORD, '10.9.9.9', tight)).toEqual({ ok: false, reason: 'throttled' });
		expect((await authenticate(db, user.email, PASSWORD, '10.1.1.1', tight)).ok).toBe(true);
	});
});

describe(`audit log (${driverName})`, () => {
	it('records account changes in a chain that verifies', async () => {
		const admin = await makeUser(db, 'admin');
		const user = await makeUser(db, 'clinician');
		await updateUserAccess(db, { id: admin.id, requestId: 'req-1' }, user.id, { role: 'researcher' });
		const rows = await db.select().from(auditLog).orderBy(auditLog.id);
		expect(rows.map((r) => r.action)).toEqual(['create', 'create', 'change_role']);
		expect(rows[2]).toMatchObject({
			actorId: admin.id,
			entity: 'user',
			entityId: user.id,
			requestId: 'req-1',
			before: expect.objectContaining({ role: 'clinician' }),
			after: expect.objectContaining({ role: 'researcher' })
		});
		expect(JSON.stringify(rows)).not.toContain('argon2');
		expect(rows[1]!.prevHash).toBe(rows[0]!.hash);
		expect(await verifyAuditChain(db)).toMatchObject({ intact: true, rows: 3 });
	});

	it('refuses UPDATE and DELETE, whoever asks', async () => {
		await makeUser(db);
		await expect(db.execute(sql`update audit_log set reason = 'edited'`)).rejects.toThrow();
		await expect(db.execute(sql`delete from audit_log`)).rejects.toThrow();
		expect(await db.select().from(auditLog)).toHaveLength(1);
	});

	it('reports the first row whose content was altered behind the trigger', async () => {
		const admin = await makeUser(db, 'admin');
		await makeUser(db);
		await makeUser(db);
		const rows = await db.select({ id: auditLog.id }).from(auditLog).orderBy(auditLog.id);
		await db.transaction(async (tx) => {
			await tx.execute(sql`set local session_replication_role = replica`);
			await tx.execute(sql`update audit_log set actor_id = ${admin.id} where id = ${rows[1]!.id}`);
		});
		expect(await verifyAuditChain(db)).toMatchObject({ intact: false, rows: 1, firstBrokenId: rows[1]!.id });
	});
});

describe(`constraints (${driverName})`, () => {
	const hash = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA';
	it.each([
		['an upper-case email', { email: 'Upper@clinic.test', name: 'X', role: 'clinician', passwordHash: hash }],
		['an unknown role', { email: 'r@clinic.test', name: 'X', role: 'boss', passwordHash: hash }],
		['a blank name', { email: 'n@clinic.test', name: '  ', role: 'clinician', passwordHash: hash }],
		['a password that is not an argon2id hash', { email: 'p@clinic.test', name: 'X', role: 'clinician', passwordHash: 'plain' }]
	])('refuses %s written directly', async (_label, row) => {
		await expect(db.insert(users).values(row as typeof users.$inferInsert)).rejects.toThrow();
		expect(await db.select().from(users)).toHaveLength(0);
	});

	it('refuses a duplicate email through the app with a message at the field', async () => {
		const user = await makeUser(db);
		const again = await createUser(db, { id: null }, { email: user.email, name: 'Dup', role: 'admin', password: PASSWORD });
		expect(again).toEqual({ ok: false, field: 'email', message: 'An account with this email already exists.' });
	});
});
