/**
 * Personal API tokens: `Authorization: Bearer ot_…` for scripts. The token is shown once; only
 * its SHA-256 is stored. A token acts with its owner's current role and stops with the account.
 * An administrator's change to the account (password reset, two-factor reset, role change,
 * deactivation or re-activation) revokes every token of it, in the same transaction: a token
 * minted by whoever held the account before the change must not outlive it.
 */
import { isUuid } from '$lib/validation/ids';
import { and, desc, eq, isNull } from 'drizzle-orm';
import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding';
import type { Db } from '../db';
import { apiTokens, users } from '../db/schema';
import { appendAudit } from '../audit';
import { sessionIdFromToken, TOUCH_INTERVAL_MS, type SessionUser } from './session';

const PREFIX = 'ot_';

export async function createApiToken(db: Db, actor: { id: string; requestId?: string }, name: string): Promise<{ id: string; token: string }> {
	const bytes = new Uint8Array(32);
	crypto.getRandomValues(bytes);
	const token = PREFIX + encodeBase32LowerCaseNoPadding(bytes);
	const id = await db.transaction(async (tx) => {
		const [row] = await tx.insert(apiTokens).values({ userId: actor.id, name, tokenHash: sessionIdFromToken(token) }).returning({ id: apiTokens.id });
		await appendAudit(tx, { actorId: actor.id, action: 'create', entity: 'api_token', entityId: row!.id, after: { name }, requestId: actor.requestId });
		return row!.id;
	});
	return { id, token };
}

export function listApiTokens(db: Db, userId: string) {
	return db
		.select({ id: apiTokens.id, name: apiTokens.name, createdAt: apiTokens.createdAt, lastUsedAt: apiTokens.lastUsedAt, revokedAt: apiTokens.revokedAt })
		.from(apiTokens)
		.where(eq(apiTokens.userId, userId))
		.orderBy(desc(apiTokens.createdAt));
}

export async function revokeApiToken(db: Db, actor: { id: string; requestId?: string }, tokenId: string): Promise<boolean> {
	if (!isUuid(tokenId)) return false;
	return db.transaction(async (tx) => {
		const [row] = await tx
			.update(apiTokens)
			.set({ revokedAt: new Date() })
			.where(and(eq(apiTokens.id, tokenId), eq(apiTokens.userId, actor.id), isNull(apiTokens.revokedAt)))
			.returning({ name: apiTokens.name });
		if (!row) return false;
		await appendAudit(tx, { actorId: actor.id, action: 'revoke', entity: 'api_token', entityId: tokenId, before: { name: row.name, revoked: false }, after: { name: row.name, revoked: true }, requestId: actor.requestId });
		return true;
	});
}

/** What an administrator did that revoked a user's tokens (the audit rows' reason). */
export type RevokedBecause = 'reset_password' | 'mfa_reset' | 'deactivate' | 'reactivate' | 'change_role';

/** Revokes every live token of `userId`, one audit row each; call inside the change's transaction. */
export async function revokeUserApiTokens(tx: Db, actor: { id: string | null; requestId?: string | null }, userId: string, because: RevokedBecause): Promise<number> {
	const revoked = await tx
		.update(apiTokens)
		.set({ revokedAt: new Date() })
		.where(and(eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)))
		.returning({ id: apiTokens.id, name: apiTokens.name });
	for (const row of revoked) {
		await appendAudit(tx, {
			actorId: actor.id,
			action: 'revoke',
			entity: 'api_token',
			entityId: row.id,
			before: { name: row.name, revoked: false },
			after: { name: row.name, revoked: true },
			reason: because,
			requestId: actor.requestId ?? null
		});
	}
	return revoked.length;
}

export async function validateApiToken(db: Db, token: string): Promise<SessionUser | null> {
	if (!token.startsWith(PREFIX) || token.length > 200) return null;
	const [row] = await db
		.select({ id: apiTokens.id, userId: users.id, email: users.email, name: users.name, role: users.role, active: users.active, revokedAt: apiTokens.revokedAt, lastUsedAt: apiTokens.lastUsedAt })
		.from(apiTokens)
		.innerJoin(users, eq(users.id, apiTokens.userId))
		.where(eq(apiTokens.tokenHash, sessionIdFromToken(token)));
	if (!row || row.revokedAt || !row.active) return null;
	// "Last used" to the minute, as sessions' last_seen_at: a script polling a chart does not write
	// (and wait for a commit) on every call.
	const now = new Date();
	if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() >= TOUCH_INTERVAL_MS) {
		await db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, row.id));
	}
	return { id: row.userId, email: row.email, name: row.name, role: row.role };
}
