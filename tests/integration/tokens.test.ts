import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import type { Db } from '../../src/lib/server/db';
import { apiTokens, users } from '../../src/lib/server/db/schema';
import { createApiToken, revokeApiToken, validateApiToken } from '../../src/lib/server/auth/tokens';
import { setPassword, updateUserAccess } from '../../src/lib/server/users';
import { beginEnrolment, confirmEnrolment, removeMfa } from '../../src/lib/server/auth/mfa';
import { generateHOTP } from '@oslojs/otp';
import { decodeBase32IgnorePadding } from '@oslojs/encoding';
import { and } from 'drizzle-orm';
import { auditLog } from '../../src/lib/server/db/schema';
import { driverName, resetDatabase, testDatabase } from './db';
import { makeUser } from './helpers';

let db: Db;
beforeAll(async () => {
	db = (await testDatabase()).db;
	await resetDatabase(db);
});
afterAll(() => resetDatabase(db));

describe(`API tokens (${driverName})`, () => {
	it('stores only a hash, acts as its owner, and stops when revoked or the account is deactivated', async () => {
		const admin = await makeUser(db, 'admin');
		const user = await makeUser(db, 'researcher');
		const { id, token } = await createApiToken(db, user, 'script');
		expect(token).toMatch(/^ot_[a-z2-7]{52}$/);
		const [row] = await db.select().from(apiTokens);
		expect(row!.tokenHash).toMatch(/^[0-9a-f]{64}$/);
		expect(JSON.stringify(row)).not.toContain(token);
		expect(await validateApiToken(db, token)).toMatchObject({ id: user.id, role: 'researcher' });
		expect(await validateApiToken(db, token + 'x')).toBeNull();

		const second = await createApiToken(db, user, 'other');
		expect(await revokeApiToken(db, admin, second.id)).toBe(false); // not the admin's token
		expect(await revokeApiToken(db, user, second.id)).toBe(true);
		expect(await validateApiToken(db, second.token)).toBeNull();

		await updateUserAccess(db, { id: admin.id }, user.id, { active: false });
		expect(await validateApiToken(db, token)).toBeNull();
		expect(id).toBeTruthy();
	});

	it('records when a token was last used, to the minute, without a write on every call', async () => {
		const user = await makeUser(db, 'researcher');
		const { id, token } = await createApiToken(db, user, 'poller');
		const lastUsed = async () => (await db.select({ at: apiTokens.lastUsedAt }).from(apiTokens).where(eq(apiTokens.id, id)))[0]!.at;
		expect(await lastUsed()).toBeNull();
		await validateApiToken(db, token);
		const first = await lastUsed();
		expect(first).toBeInstanceOf(Date);
		await validateApiToken(db, token);
		expect((await lastUsed())!.getTime()).toBe(first!.getTime());
		// Over a minute ago: written again.
		await db.update(apiTokens).set({ lastUsedAt: new Date(Date.now() - 61_000) }).where(eq(apiTokens.id, id));
		await validateApiToken(db, token);
		expect(Date.now() - (await lastUsed())!.getTime()).toBeLessThan(5_000);
	});

	describe('are revoked, with an audit row each, when an administrator', () => {
		/** A user with two working tokens (one already used), and what the administrator is. */
		async function withTokens(role: 'researcher' | 'clinician' = 'researcher') {
			const admin = await makeUser(db, 'admin');
			const user = await makeUser(db, role);
			const tokens = [await createApiToken(db, user, 'nightly export'), await createApiToken(db, user, 'R analysis')];
			for (const t of tokens) expect(await validateApiToken(db, t.token)).toMatchObject({ id: user.id });
			return { admin, user, tokens };
		}
		async function expectRevoked(tokens: { id: string; token: string }[], because: string) {
			for (const t of tokens) expect(await validateApiToken(db, t.token)).toBeNull();
			const rows = await db
				.select({ entityId: auditLog.entityId, reason: auditLog.reason, after: auditLog.after })
				.from(auditLog)
				.where(and(eq(auditLog.entity, 'api_token'), eq(auditLog.action, 'revoke')));
			expect(rows.filter((r) => tokens.some((t) => t.id === r.entityId)).map((r) => r.reason).sort()).toEqual(tokens.map(() => because));
		}

		it('resets their password', async () => {
			const { admin, user, tokens } = await withTokens();
			expect((await setPassword(db, { id: admin.id }, user.id, 'another long passphrase here')).ok).toBe(true);
			await expectRevoked(tokens, 'reset_password');
		});

		it('resets their two-factor sign-in', async () => {
			const { admin, user, tokens } = await withTokens();
			const enrolment = await beginEnrolment(db, user.id);
			const key = decodeBase32IgnorePadding(enrolment!.secret.replace(/\s/g, ''));
			const confirmed = await confirmEnrolment(db, { id: user.id }, generateHOTP(key, BigInt(Math.floor(Date.now() / 30_000)), 6));
			expect(confirmed.ok).toBe(true);
			expect(await removeMfa(db, { id: admin.id }, user.id, 'admin_reset')).toBe(true);
			await expectRevoked(tokens, 'mfa_reset');
		});

		it('deactivates them: the tokens stay dead after re-activation', async () => {
			const { admin, user, tokens } = await withTokens();
			expect((await updateUserAccess(db, { id: admin.id }, user.id, { active: false })).ok).toBe(true);
			expect((await updateUserAccess(db, { id: admin.id }, user.id, { active: true })).ok).toBe(true);
			await expectRevoked(tokens, 'deactivate');
		});

		it('re-activates them (a token that outlived an earlier deactivation ends here)', async () => {
			const { admin, user, tokens } = await withTokens();
			// As an account deactivated before tokens were revoked with it: inactive, tokens not revoked.
			await db.update(users).set({ active: false }).where(eq(users.id, user.id));
			expect((await updateUserAccess(db, { id: admin.id }, user.id, { active: true })).ok).toBe(true);
			await expectRevoked(tokens, 'reactivate');
		});

		it('changes their role', async () => {
			const { admin, user, tokens } = await withTokens('clinician');
			expect((await updateUserAccess(db, { id: admin.id }, user.id, { role: 'researcher' })).ok).toBe(true);
			await expectRevoked(tokens, 'change_role');
		});

		it('but not when the user changes their own password, or nothing changed', async () => {
			const { admin, user, tokens } = await withTokens();
			expect((await setPassword(db, { id: user.id }, user.id, 'another long passphrase here')).ok).toBe(true);
			expect((await updateUserAccess(db, { id: admin.id }, user.id, { role: 'researcher' })).ok).toBe(true);
			for (const t of tokens) expect(await validateApiToken(db, t.token)).toMatchObject({ id: user.id });
		});
	});
});
