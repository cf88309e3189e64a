/**
 * Appending rows to a chain (see index.ts for the design): a chain is taken and its end read in
 * one round trip, the rows' keyed hashes computed here, and the rows inserted at that end.
 */
import { desc, eq, sql, type SQL } from 'drizzle-orm';
import { executeRows, type Db } from '../db';
import { bulkInsert } from '../db/bulk';
import { auditLog } from '../db/schema';
import { keyedAuditHash, type HashedContent } from './chain';
import { chainHeadsSql, freeChainSql, waitForChain } from './locks';

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

/** Where the next row of a held chain goes. */
export interface ChainEnd {
	chain: number;
	prevHash: string | null;
}

/** The end of the chain just taken: `taken` from `freeChainSql()` (null: none was free), `heads` from `chainHeadsSql()`. */
export async function heldChainEnd(tx: Db, taken: unknown, heads: Record<string, unknown>[]): Promise<ChainEnd> {
	if (taken == null) {
		// All were busy: wait for one, then read its head (now that it is held).
		const chain = await waitForChain(tx);
		const [row] = await tx.select({ hash: auditLog.hash }).from(auditLog).where(eq(auditLog.chain, chain)).orderBy(desc(auditLog.id)).limit(1);
		return { chain, prevHash: row?.hash ?? null };
	}
	const chain = Number(taken);
	const head = heads.find((h) => Number(h.chain) === chain);
	return { chain, prevHash: head?.hash == null ? null : String(head.hash) };
}

/** Takes a chain for the rest of the transaction (re-entrant) and reads its end: one round trip. */
export async function takeChain(tx: Db): Promise<ChainEnd> {
	const [[free], heads] = await Promise.all([executeRows(tx, sql`select ${freeChainSql()} as k`), executeRows(tx, chainHeadsSql())]);
	return heldChainEnd(tx, free?.k, heads);
}

/** Appends one row. Call it with the transaction that made the change it records. */
export async function appendAudit(tx: Db, entry: AuditEntry): Promise<void> {
	await appendAuditMany(tx, [entry]);
}

/** Rows this many or fewer go in the one guarded statement of `insertAudit`; more, in bulk. */
const CHAIN_IN_SQL = 20;

/** Each row's keyed hash, in order from the chain's end. */
function chained(end: ChainEnd, rows: HashedContent[]): (HashedContent & { prevHash: string | null; hash: string })[] {
	let prevHash = end.prevHash;
	return rows.map((row) => {
		const hash = keyedAuditHash(end.chain, prevHash, row);
		const linked = { ...row, prevHash, hash };
		prevHash = hash;
		return linked;
	});
}

/**
 * The rows hashed here, inserted by one statement that also runs other data-modifying statements
 * as CTEs (the write's other rows, sent in the same round trip). Inserts nothing unless the chain's
 * end is still the one hashed from: a bug that lost the chain's lock would fail, not fork it.
 */
function auditInsertSql(end: ChainEnd, rows: HashedContent[], ctes: SQL[]): SQL {
	const json = JSON.stringify(
		chained(end, rows).map((r, i) => ({
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
			prev_hash: r.prevHash,
			hash: r.hash
		}))
	);
	return sql`
		with r as (
			select * from json_to_recordset(${json}::json) as r(ord int, at timestamptz, actor_id uuid, action text, entity text, entity_id text,
				before jsonb, after jsonb, reason text, request_id text, prev_hash text, hash text)
		)${sql.join(ctes.map((c, i) => sql`, w${sql.raw(String(i))} as (${c})`))}
		insert into audit_log (at, actor_id, action, entity, entity_id, before, after, reason, request_id, chain, prev_hash, hash)
		select r.at, r.actor_id, r.action, r.entity, r.entity_id, r.before, r.after, r.reason, r.request_id, ${end.chain}::int, r.prev_hash, r.hash
		from r
		where (select hash from audit_log where chain = ${end.chain}::int order by id desc limit 1) is not distinct from ${end.prevHash}::text
		order by r.ord
		returning id`;
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
 * instruments) as one statement at the end of a held chain, with other data-modifying statements
 * run in it as CTEs. Thousands of rows (an import) go through `appendAuditMany`.
 */
export async function insertAudit(tx: Db, end: ChainEnd, entries: AuditEntry[], ctes: SQL[] = []): Promise<void> {
	if (entries.length === 0) throw new Error('insertAudit: no rows');
	const inserted = await executeRows(tx, auditInsertSql(end, entries.map(hashedContent), ctes));
	if (inserted.length !== entries.length) throw new Error(`Audit chain ${end.chain} moved while held; nothing was saved.`);
}

/**
 * Appends rows in order, chained, in the transaction that made the changes they record: a few
 * rows in one statement, many (an import) inserted in bulk.
 */
export async function appendAuditMany(tx: Db, entries: AuditEntry[]): Promise<void> {
	if (entries.length === 0) return;
	const end = await takeChain(tx);
	if (entries.length <= CHAIN_IN_SQL) return insertAudit(tx, end, entries);
	const rows = chained(end, entries.map(hashedContent)).map((r) => ({ ...r, chain: end.chain }));
	await bulkInsert(tx, auditLog, rows);
}


/**
 * One row recording a read — a cohort query, an export preview — in its own short transaction with
 * asynchronous commit. Reads are the hot path (the cohort chart), and waiting for the WAL flush
 * was half the row's cost (median 8.0 ms a row with it, 4.0 without, on a loaded 2-core machine).
 * The trade: a crash of the database itself can lose the last moment's read rows (flushed within
 * 3 × wal_writer_delay, 600 ms by default), never a write's rows and never half a chain.
 */
export async function appendReadAudit(db: Db, entry: AuditEntry): Promise<void> {
	await db.transaction(async (tx) => {
		await tx.execute(sql`select set_config('synchronous_commit', 'off', true)`);
		await appendAuditMany(tx, [entry]);
	});
}
