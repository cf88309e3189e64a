/**
 * A transaction in two round trips. postgres.js's `begin` waits for BEGIN's answer before the
 * first statement and for the last statement's answer before COMMIT, so a save of one batch of
 * reads and one batch of writes costs four round trips. Here BEGIN goes out together with the
 * first batch, and COMMIT together with the last: on a machine whose cores are saturated every
 * round trip is a context switch on both sides (docs/performance.md, visit saves).
 *
 * `fn` sends its statements with `send` (each goes out at once; their answers come back in order)
 * and returns the statements to run last, which are sent in the same turn as COMMIT. If any
 * statement fails, PostgreSQL refuses the rest of the transaction and answers the COMMIT with a
 * ROLLBACK: nothing is stored and the first error is thrown. If `fn` throws, ROLLBACK is sent.
 * `tx` is a drizzle handle on the same connection, for work that is not pipelined (rare paths).
 *
 * PGlite (one connection, no network): the same calls in an ordinary transaction.
 */
import type { SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { executeRows, type Db } from '.';

export interface Pipeline {
	/** Sends the statement now; resolves with its rows. */
	send(query: SQL): Promise<Record<string, unknown>[]>;
	/** The transaction as a drizzle handle, for statements that need not be pipelined. */
	tx: Db;
}

interface Reserved {
	unsafe(query: string, params?: unknown[], options?: { prepare?: boolean }): PromiseLike<unknown> & { execute(): unknown; catch(f: (e: unknown) => void): unknown };
	release(): void;
}
interface PostgresClient {
	reserve(): Promise<Reserved>;
}

const dialect = new PgDialect();

function postgresClient(db: Db): PostgresClient | null {
	const client = (db as unknown as { $client?: { reserve?: unknown } }).$client;
	return client && typeof client.reserve === 'function' ? (client as unknown as PostgresClient) : null;
}

export async function pipelinedTransaction<T>(db: Db, fn: (p: Pipeline) => Promise<{ value: T; last: SQL[] }>): Promise<T> {
	const client = postgresClient(db);
	if (!client) {
		return db.transaction(async (tx) => {
			const sent: Promise<unknown>[] = [];
			const send = (q: SQL) => {
				const p = executeRows(tx, q);
				p.catch(() => {});
				sent.push(p);
				return p;
			};
			const { value, last } = await fn({ send, tx });
			// As on PostgreSQL: a statement that failed unawaited is the error, before any other.
			const first = (await Promise.allSettled(sent)).find((r): r is PromiseRejectedResult => r.status === 'rejected');
			if (first) throw first.reason;
			for (const q of last) await tx.execute(q);
			return value;
		});
	}
	const { drizzle } = await import('drizzle-orm/postgres-js');
	const reserved = await client.reserve();
	// Every statement sent, so that none is left unanswered (or its rejection unhandled).
	const sent: PromiseLike<unknown>[] = [];
	const send = (text: string, params: unknown[] = []) => {
		const q = reserved.unsafe(text, params, { prepare: params.length > 0 });
		q.catch(() => {});
		q.execute(); // postgres.js sends a query when it is first awaited; now, in this order
		sent.push(q);
		return q;
	};
	const sendSql = (query: SQL) => {
		const { sql: text, params } = dialect.sqlToQuery(query);
		return Promise.resolve(send(text, params)).then((rows) => rows as Record<string, unknown>[]);
	};
	let open = true;
	try {
		send('begin');
		// drizzle reads (and sets) the client's type parsers; a reserved connection shares its pool's.
		const tx = drizzle(Object.assign(reserved, { options: (client as unknown as { options: unknown }).options }) as never) as unknown as Db;
		const { value, last } = await fn({ send: sendSql, tx });
		// The last statements and COMMIT go out in this same turn, in this order.
		const finals = last.map((q) => sendSql(q));
		const commit = send('commit');
		open = false;
		await Promise.allSettled([...finals, commit]);
		// The first statement that failed is the cause (later ones only say the transaction was
		// aborted), and PostgreSQL answered the COMMIT with a ROLLBACK.
		const first = (await Promise.allSettled(sent)).find((r): r is PromiseRejectedResult => r.status === 'rejected');
		if (first) throw first.reason;
		return value;
	} catch (err) {
		if (open) {
			open = false;
			await Promise.allSettled(sent);
			await Promise.resolve(send('rollback')).catch(() => {});
		}
		throw err;
	} finally {
		reserved.release();
	}
}
