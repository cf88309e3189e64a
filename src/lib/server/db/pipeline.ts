/**
 * A transaction whose last statements travel with its COMMIT. postgres.js's `begin` sends COMMIT
 * only after the transaction function's promise settles, so a function that awaits its last
 * writes costs a round trip more than it needs: here the function returns the statements to run
 * last, they are sent without waiting, and COMMIT follows them at once on the same connection (in
 * order). If one of them fails, PostgreSQL refuses the rest of the transaction and answers the
 * COMMIT with a ROLLBACK: nothing is stored, and the first failing statement's error is thrown.
 * Everything else about the transaction — the connection's reservation, its loss, ROLLBACK when
 * the function throws — is postgres.js's own `begin` (through drizzle), so a database restart is
 * handled as for any other transaction.
 *
 * `send` sends a statement at once (those sent together go out in one write and are answered in
 * order); `tx` is the same transaction as a drizzle handle, for statements that need not hurry.
 * PGlite (one connection, no network): the same calls, the last statements awaited in turn.
 */
import type { SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { executeRows, type Db } from '.';

export interface Pipeline {
	/** Sends the statement now; resolves with its rows. */
	send(query: SQL): Promise<Record<string, unknown>[]>;
	/** The transaction as a drizzle handle. */
	tx: Db;
}

interface ScopedClient {
	unsafe(query: string, params?: unknown[], options?: { prepare?: boolean }): PromiseLike<unknown> & { execute(): unknown; catch(f: (e: unknown) => void): unknown };
}

const dialect = new PgDialect();

/** The postgres.js client of a drizzle transaction (its `begin` scope); null on PGlite. */
function scopedClient(tx: Db): ScopedClient | null {
	const client = (tx as unknown as { session?: { client?: { unsafe?: unknown; begin?: unknown } } }).session?.client;
	return client && typeof client.unsafe === 'function' && !('query' in client) ? (client as unknown as ScopedClient) : null;
}

const firstFailure = async (sent: PromiseLike<unknown>[]) => (await Promise.allSettled(sent)).find((r): r is PromiseRejectedResult => r.status === 'rejected');

export async function pipelinedTransaction<T>(db: Db, fn: (p: Pipeline) => Promise<{ value: T; last: SQL[] }>): Promise<T> {
	const sent: PromiseLike<unknown>[] = [];
	let pipelined = false;
	const value = await db.transaction(async (tx) => {
		const client = scopedClient(tx);
		const send = (query: SQL): Promise<Record<string, unknown>[]> => {
			let p: Promise<Record<string, unknown>[]>;
			if (client) {
				const { sql: text, params } = dialect.sqlToQuery(query);
				const q = client.unsafe(text, params, { prepare: params.length > 0 });
				q.execute(); // postgres.js sends a query when first awaited: now, in call order
				p = Promise.resolve(q) as Promise<Record<string, unknown>[]>;
			} else p = executeRows(tx, query);
			p.catch(() => {});
			sent.push(p);
			return p;
		};
		const out = await fn({ send, tx });
		if (client) {
			// Sent now, not awaited: `begin` sends COMMIT right after them.
			for (const q of out.last) void send(q);
			pipelined = true;
		} else {
			const failed = await firstFailure(sent);
			if (failed) throw failed.reason;
			for (const q of out.last) await send(q);
		}
		return out.value;
	});
	if (pipelined) {
		// COMMIT was answered, so every statement before it was too. If one failed, the COMMIT was
		// a ROLLBACK: the first failure (later ones only say the transaction was aborted) is thrown.
		const failed = await firstFailure(sent);
		if (failed) throw failed.reason;
	}
	return value;
}
