/**
 * The audit log: every write appends one row in the same transaction. Rows form hash chains —
 * each row's hash is an HMAC-SHA-256, under a key kept outside the database, of the previous
 * row's hash in its chain and this row's canonical content (chain.ts) — so an edited, removed or
 * inserted row breaks its chain at that point, and nobody without the key can rebuild it;
 * `verifyAuditChain` (verify.ts) reports the first broken row. The newest rows have no row after
 * them to give their deletion away: their heads are signed and written outside the database at
 * intervals (anchors.ts), and verify compares the chains with the last anchors.
 *
 * There are AUDIT_CHAINS chains. A transaction appends to the first chain nobody else is appending
 * to (chain 0 when the clinic is quiet) and holds that chain until it commits, so concurrent saves
 * do not queue for one chain's end; within a chain, rows link in id order. The hashes are computed
 * here, in the app, since the key must never reach the database: the chain's last hash is read by
 * a statement that runs once the chain is held (sent in the same round trip as the one taking it).
 */
import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db';
import { auditLog, users } from '../db/schema';

export { auditHash, canonicalJson, keyedAuditHash } from './chain';
export { loadAuditSecret, setAuditSecret } from './key';
export { anchorAuditHeads, auditAnchorFile, startAuditAnchoring, type Anchor, type ChainHead } from './anchors';
export { verifyAuditChain, type ChainReport } from './verify';
export { ensureAuditKeyed } from './rekey';
export { appendAudit, appendAuditMany, appendReadAudit, heldChainEnd, insertAudit, takeChain, type AuditEntry, type ChainEnd } from './append';
export { AUDIT_CHAINS, chainHeadsSql, freeChainSql, serializeWrites, waitForChain } from './locks';

export interface AuditView {
	id: number;
	at: Date;
	actor: string | null;
	action: string;
	entity: string;
	entityId: string;
	reason: string | null;
}

// An audit row as shown on screen (the actor column is added per view).
const changeColumns = {
	id: auditLog.id,
	at: auditLog.at,
	action: auditLog.action,
	entity: auditLog.entity,
	entityId: auditLog.entityId,
	reason: auditLog.reason,
	before: auditLog.before,
	after: auditLog.after
};

export interface AuditFilter {
	actorId?: string;
	entity?: string;
	action?: string;
	/** Inclusive UTC dates, YYYY-MM-DD. */
	from?: string;
	to?: string;
	/** Rows with an id below this (keyset paging, newest first). */
	before?: number;
}

/** Audit rows newest first, with the actor's email and the before/after values. */
export async function searchAudit(db: Db, filter: AuditFilter, limit = 50): Promise<(AuditView & { before: unknown; after: unknown })[]> {
	const where = [
		filter.actorId ? eq(auditLog.actorId, filter.actorId) : undefined,
		filter.entity ? eq(auditLog.entity, filter.entity) : undefined,
		filter.action ? eq(auditLog.action, filter.action) : undefined,
		filter.from ? sql`${auditLog.at} >= ${filter.from}::date` : undefined,
		filter.to ? sql`${auditLog.at} < ${filter.to}::date + 1` : undefined,
		filter.before ? sql`${auditLog.id} < ${filter.before}` : undefined
	].filter((x) => x !== undefined);
	return db
		.select({ ...changeColumns, actor: users.email })
		.from(auditLog)
		.leftJoin(users, eq(users.id, auditLog.actorId))
		.where(where.length > 0 ? and(...where) : undefined)
		.orderBy(desc(auditLog.id))
		.limit(limit);
}

export interface HistoryEntry extends AuditView {
	before: unknown;
	after: unknown;
}

/** Every audit row about the given records, oldest first (for a record's history on screen). */
export async function auditHistory(db: Db, entityIds: string[]): Promise<HistoryEntry[]> {
	if (entityIds.length === 0) return [];
	return db
		.select({ ...changeColumns, actor: users.name })
		.from(auditLog)
		.leftJoin(users, eq(users.id, auditLog.actorId))
		.where(inArray(auditLog.entityId, entityIds))
		.orderBy(asc(auditLog.id));
}
