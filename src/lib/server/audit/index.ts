/**
 * The audit log: every write appends one row in the same transaction. Rows form hash chains —
 * hash = SHA-256(previous hash in the chain + canonical JSON of this row) — so an edited or removed
 * row breaks its chain at that point, which `verifyAuditChain` reports.
 *
 * There are AUDIT_CHAINS chains. A transaction appends to the first chain nobody else is appending
 * to (chain 0 when the clinic is quiet) and holds that chain until it commits, so concurrent saves
 * do not queue for one chain's end; within a chain, rows link in id order.
 */
import { createHash } from 'node:crypto';
import { and, asc, desc, eq, gt, inArray, sql, type SQL } from 'drizzle-orm';
import { executeRows, type Db } from '../db';
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

/** The text a row's hash covers, after the previous hash and a newline. */
function hashedText(row: HashedContent): string {
	return canonicalJson({
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
}

export function auditHash(prevHash: string | null, row: HashedContent): string {
	return createHash('sha256').update(`${prevHash ?? ''}\n${hashedText(row)}`, 'utf8').digest('hex');
}

// Any fixed number: the transaction-scoped lock taken by bulk writes (imports, rebuilds).
const WRITE_LOCK_KEY = 7_201_355;
/** Chains of the audit log; a transaction holds one while it appends (advisory lock AUDIT_CHAIN_KEY, chain). */
export const AUDIT_CHAINS = 8;
const AUDIT_CHAIN_KEY = 7_201_356;

/** The bulk-write lock: one import (or rollup rebuild) at a time, for the rest of the transaction. */
export async function serializeWrites(tx: Db): Promise<void> {
	await tx.execute(sql`select pg_advisory_xact_lock(${WRITE_LOCK_KEY})`);
}

/**
 * Takes a chain for the rest of the transaction: the first one free (or already held by this
 * transaction: the locks are re-entrant), else waits for one chosen at random.
 */
export async function takeChain(tx: Db): Promise<number> {
	const [free] = await executeRows(tx, sql`select ${freeChainSql()} as k`);
	return free?.k == null ? waitForChain(tx) : Number(free.k);
}

/**
 * The first chain free, taken (an int), or null when all are held: a scalar subquery, for a caller
 * that takes its chain in a statement it sends anyway. No ORDER BY: generate_series yields 0, 1, …
 * in order, and the LIMIT stops at the first chain locked, so no other chain is tried (a sort
 * would try, and lock, them all).
 */
export function freeChainSql(): SQL {
	return sql`(select k from generate_series(0, ${AUDIT_CHAINS - 1}) as k where pg_try_advisory_xact_lock(${AUDIT_CHAIN_KEY}, k) limit 1)`;
}

/** No chain was free: waits for one chosen at random. */
export async function waitForChain(tx: Db): Promise<number> {
	const k = Math.floor(Math.random() * AUDIT_CHAINS);
	await tx.execute(sql`select pg_advisory_xact_lock(${AUDIT_CHAIN_KEY}, ${k}::int)`);
	return k;
}

/** Appends one row. Call it with the transaction that made the change it records. */
export async function appendAudit(tx: Db, entry: AuditEntry): Promise<void> {
	await appendAuditMany(tx, [entry]);
}

/**
 * One row recording a read — a cohort query, an export preview — in its own short transaction:
 * the chain taken and asynchronous commit set in one statement, then the chained INSERT. Reads are
 * the hot path (the cohort chart), and waiting for the WAL flush was half the row's cost (median
 * 8.0 ms a row with it, 4.0 without, on a loaded 2-core machine). The trade: a crash of the
 * database itself can lose the last moment's read rows (PostgreSQL flushes them within 3 ×
 * wal_writer_delay, 600 ms by default), never a write's rows — every write commits synchronously,
 * and its flush carries the earlier read rows with it — and never half a chain.
 */
export async function appendReadAudit(db: Db, entry: AuditEntry): Promise<void> {
	await db.transaction(async (tx) => {
		const [free] = await executeRows(tx, sql`select set_config('synchronous_commit', 'off', true) as sync, ${freeChainSql()} as k`);
		const chain = free?.k == null ? await waitForChain(tx) : Number(free.k);
		await tx.execute(auditInsertSql(chain, [entry]));
	});
}

/** Rows this many or fewer are hashed and linked by PostgreSQL in the INSERT itself. */
const CHAIN_IN_SQL = 20;

/**
 * The rows linked in one statement: PostgreSQL reads the chain's last hash and computes each
 * row's hash exactly as `auditHash` does (SHA-256 of the previous hash, a newline and the
 * canonical JSON, which the app computes). Saves a round trip per write.
 */
function chainedInsertSql(chain: number, rows: HashedContent[], ctes: SQL[] = []): SQL {
	const json = JSON.stringify(
		rows.map((r, i) => ({
			ord: i + 1,
			at: r.at.toISOString(),
			actor_id: r.actorId,
			action: r.action,
			entity: r.entity,
			entity_id: r.entityId,
			before: r.before,
			after: r.after,
			reason: r.reason,
			request_id: r.requestId,
			content: hashedText(r)
		}))
	);
	return sql`
		with recursive r as (
			select * from json_to_recordset(${json}::json) as r(ord int, at timestamptz, actor_id uuid, action text, entity text, entity_id text,
				before jsonb, after jsonb, reason text, request_id text, content text)
		), last as (
			select hash from audit_log where chain = ${chain}::int order by id desc limit 1
		), chained (ord, prev_hash, hash) as (
			select r.ord, l.hash, encode(sha256(convert_to(coalesce(l.hash, '') || chr(10) || r.content, 'UTF8')), 'hex')
			from r left join last l on true where r.ord = 1
			union all
			select r.ord, c.hash, encode(sha256(convert_to(c.hash || chr(10) || r.content, 'UTF8')), 'hex')
			from chained c join r on r.ord = c.ord + 1
		)${sql.join(ctes.map((c, i) => sql`, w${sql.raw(String(i))} as (${c})`))}
		insert into audit_log (at, actor_id, action, entity, entity_id, before, after, reason, request_id, chain, prev_hash, hash)
		select r.at, r.actor_id, r.action, r.entity, r.entity_id, r.before, r.after, r.reason, r.request_id, ${chain}::int, c.prev_hash, c.hash
		from r join chained c on c.ord = r.ord
		order by r.ord`;
}

function hashedContent(entry: AuditEntry): HashedContent {
	return {
		// Whole milliseconds: the column keeps three decimals, so the hashed time survives storage.
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
}

/**
 * One write's audit rows (a visit and one per questionnaire: a dozen at most with the registry's
 * instruments) as one chained INSERT, with other data-modifying statements run in it as CTEs (the
 * write's other rows, sent in the same round trip). The chain must already be held by the
 * transaction. Thousands of rows (an import) go through `appendAuditMany`, hashed in the app.
 */
export function auditInsertSql(chain: number, entries: AuditEntry[], ctes: SQL[] = []): SQL {
	if (entries.length === 0) throw new Error('auditInsertSql: no rows');
	return chainedInsertSql(chain, entries.map(hashedContent), ctes);
}

/**
 * Appends rows in order, chained, in the transaction that made the changes they record: a few
 * rows in one statement, many (an import) hashed here and inserted in bulk.
 */
export async function appendAuditMany(tx: Db, entries: AuditEntry[]): Promise<void> {
	if (entries.length === 0) return;
	const chain = await takeChain(tx);
	const contents = entries.map(hashedContent);
	if (contents.length <= CHAIN_IN_SQL) {
		await tx.execute(chainedInsertSql(chain, contents));
		return;
	}
	const [last] = await tx
		.select({ hash: auditLog.hash })
		.from(auditLog)
		.where(eq(auditLog.chain, chain))
		.orderBy(desc(auditLog.id))
		.limit(1);
	let prevHash = last?.hash ?? null;
	const rows: (typeof auditLog.$inferInsert)[] = [];
	for (const row of contents) {
		const hash = auditHash(prevHash, row);
		rows.push({ ...row, chain, prevHash, hash });
		prevHash = hash;
	}
	await bulkInsert(tx, auditLog, rows);
}

export type ChainReport = { intact: true; rows: number } | { intact: false; rows: number; firstBrokenId: number };

/** Re-computes every chain in id order, a page at a time; `rows` counts the rows found intact. */
export async function verifyAuditChain(db: Db): Promise<ChainReport> {
	const prevByChain = new Map<number, string>();
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
			const prevHash = prevByChain.get(row.chain) ?? null;
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
			prevByChain.set(row.chain, row.hash);
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
