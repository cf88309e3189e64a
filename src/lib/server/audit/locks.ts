/**
 * The advisory locks behind the audit chains and bulk writes, and the statement that reads every
 * chain's end. Transaction-scoped: each is let go at commit or rollback.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db';

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
 * The first chain free, taken (an int), or null when all are held: a scalar subquery, for a caller
 * that takes its chain in a statement it sends anyway. No ORDER BY: generate_series yields 0, 1, …
 * in order, and the LIMIT stops at the first chain locked, so no other chain is tried (a sort
 * would try, and lock, them all).
 */
export function freeChainSql(): SQL {
	return sql`(select k from generate_series(0, ${AUDIT_CHAINS - 1}) as k where pg_try_advisory_xact_lock(${AUDIT_CHAIN_KEY}, k) limit 1)`;
}

/**
 * Every chain's newest row (chain, id, hash; id and hash null for an empty chain): one index probe
 * per chain. Sent right after the statement that takes a chain, it runs once the chain is held,
 * with a snapshot taken then (read committed), so the head it reads for that chain is final: the
 * previous holder committed before it let go, and nobody else appends while we hold it. (Read in
 * the statement that takes the chain it could be stale: that statement's snapshot is older than
 * the lock.)
 */
export function chainHeadsSql(): SQL {
	return sql`select k as chain, h.id, h.hash from generate_series(0, ${AUDIT_CHAINS - 1}) as k
		left join lateral (select id, hash from audit_log where chain = k order by id desc limit 1) h on true`;
}

/** No chain was free: waits for one chosen at random. */
export async function waitForChain(tx: Db): Promise<number> {
	const k = Math.floor(Math.random() * AUDIT_CHAINS);
	await lockChain(tx, k);
	return k;
}

/** Holds chain `k` for the rest of the transaction, waiting for it if need be. */
export async function lockChain(tx: Db, k: number): Promise<void> {
	await tx.execute(sql`select pg_advisory_xact_lock(${AUDIT_CHAIN_KEY}, ${k}::int)`);
}
