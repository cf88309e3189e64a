/**
 * The audit log: every write appends one row in the same transaction. Rows form a hash chain —
 * hash = SHA-256(previous hash + canonical JSON of this row) — so an edited or removed row breaks
 * the chain at that point, which `verifyAuditChain` reports.
 */
import { and, asc, desc, eq, gt, inArray, sql } from 'drizzle-orm';
import { sha256 } from '@oslojs/crypto/sha2';
import { encodeHexLowerCase } from '@oslojs/encoding';
import type { Db } from '../db';
import { bulkInsert } from '../db/bulk';
import { auditLog, users } from '../db/schema';

export interface AuditEntry {
	actorId: string | null;
	action: string;
	entity: string;
	entityId: string;
	before?: unknown;
	after?: unknown;
	reason?: string | null;
	requestId?: string | null;
}

/** JSON with object keys sorted at every level, so jsonb's own key order does not matter. */
export function canonicalJson(value: unknown): string {
	if (value === undefined) return 'null';
	if (value === null || typeof value !== 'object') return JSON.stringify(value);
	if (value instanceof Date) return JSON.stringify(value.toISOString());
	if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
	const entries = Object.entries(value as Record<string, unknown>)
		.filter(([, v]) => v !== undefined)
		.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
	return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

interface HashedContent {
	at: Date;
	actorId: string | null;
	action: string;
	entity: string;
	entityId: string;
	before: unknown;
	after: unknown;
	reason: string | null;
	requestId: string | null;
}

export function auditHash(prevHash: string | null, row: HashedContent): string {
	const content = canonicalJson({
		at: row.at.toISOString(),
		actorId: row.actorId,
		action: row.action,
		entity: row.entity,
		entityId: row.entityId,
		before: row.before ?? null,
		after: row.after ?? null,
		reason: row.reason,
		requestId: row.requestId
	});
	return encodeHexLowerCase(sha256(new TextEncoder().encode(`${prevHash ?? ''}\n${content}`)));
}

// Any fixed number: the transaction-scoped lock that serialises appends to the chain.
const AUDIT_LOCK_KEY = 7_201_355;

/**
 * The write lock: clinical writes and audit appends take it for the rest of their transaction
 * (re-entrant), so the hash chain and the cohort rollup each see one write at a time.
 */
export async function serializeWrites(tx: Db): Promise<void> {
	await tx.execute(sql`select pg_advisory_xact_lock(${AUDIT_LOCK_KEY})`);
}

/** Appends one row. Call it with the transaction that made the change it records. */
export async function appendAudit(tx: Db, entry: AuditEntry): Promise<void> {
	await appendAuditMany(tx, [entry]);
}

/**
 * Appends rows in order, chained, with one lock and multi-row inserts (bulk writes such as an
 * import). Call it with the transaction that made the changes.
 */
export async function appendAuditMany(tx: Db, entries: AuditEntry[]): Promise<void> {
	if (entries.length === 0) return;
	await serializeWrites(tx);
	const [last] = await tx
		.select({ hash: auditLog.hash })
		.from(auditLog)
		.orderBy(desc(auditLog.id))
		.limit(1);
	let prevHash = last?.hash ?? null;
	const rows: (typeof auditLog.$inferInsert)[] = [];
	for (const entry of entries) {
		// Whole milliseconds: the column keeps three decimals, so the hashed time survives storage.
		const row: HashedContent = {
			at: new Date(),
			actorId: entry.actorId,
			action: entry.action,
			entity: entry.entity,
			entityId: entry.entityId,
			// Round-trip through JSON so the hash covers exactly what jsonb will hold.
			before: entry.before === undefined ? null : JSON.parse(JSON.stringify(entry.before)),
			after: entry.after === undefined ? null : JSON.parse(JSON.stringify(entry.after)),
			reason: entry.reason ?? null,
			requestId: entry.requestId ?? null
		};
		const hash = auditHash(prevHash, row);
		rows.push({ ...row, prevHash, hash });
		prevHash = hash;
	}
	if (rows.length <= 20) await tx.insert(auditLog).values(rows);
	else await bulkInsert(tx, auditLog, rows);
}

export type ChainReport = { intact: true; rows: number } | { intact: false; rows: number; firstBrokenId: number };

/** Re-computes the chain in id order, a page at a time. */
export async function verifyAuditChain(db: Db): Promise<ChainReport> {
	let prevHash: string | null = null;
	let lastId = 0;
	let rows = 0;
	for (;;) {
		const page = await db
			.select()
			.from(auditLog)
			.where(gt(auditLog.id, lastId))
			.orderBy(asc(auditLog.id))
			.limit(1000);
		if (page.length === 0) return { intact: true, rows };
		for (const row of page) {
			const expected = auditHash(prevHash, {
				at: row.at,
				actorId: row.actorId,
				action: row.action,
				entity: row.entity,
				entityId: row.entityId,
				before: row.before,
				after: row.after,
				reason: row.reason,
				requestId: row.requestId
			});
			if (row.prevHash !== prevHash || row.hash !== expected) {
				return { intact: false, rows, firstBrokenId: row.id };
			}
			prevHash = row.hash;
			lastId = row.id;
			rows++;
		}
	}
}

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
