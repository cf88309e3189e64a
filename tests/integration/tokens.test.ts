import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import type { Db } from '../../src/lib/server/db';
import { apiTokens } from '../../src/lib/server/db/schema';
import { createApiToken, revokeApiToken, validateApiToken } from '../../src/lib/server/auth/tokens';
import { updateUserAccess } from '../../src/lib/server/users';
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
});
