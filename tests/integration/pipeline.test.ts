/**
 * db/pipeline.ts: a transaction whose statements go out without waiting (BEGIN with the first,
 * COMMIT with the last) stores all of them or none, and reports the statement that failed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { executeRows, type Db } from '../../src/lib/server/db';
import { pipelinedTransaction } from '../../src/lib/server/db/pipeline';
import { driverName, testDatabase } from './db';

let db: Db;
const stored = async () => (await executeRows(db, sql`select id from pipeline_probe order by id`)).map((r) => Number(r.id));
/** The SQLSTATE of a failure (drizzle wraps PGlite's errors; postgres.js's carry it). */
const code = (p: Promise<unknown>) => p.then(() => null, (e: { code?: string; cause?: { code?: string } }) => e.code ?? e.cause?.code);
const insert = (id: number) => sql`insert into pipeline_probe (id) values (${id})`;

beforeAll(async () => {
	db = (await testDatabase()).db;
	await db.execute(sql`drop table if exists pipeline_probe`);
	await db.execute(sql`create table pipeline_probe (id int primary key check (id > 0))`);
});
afterAll(async () => {
	await db.execute(sql`drop table if exists pipeline_probe`);
});

describe(`pipelined transaction (${driverName})`, () => {
	it('stores every statement, the last ones sent with COMMIT', async () => {
		const value = await pipelinedTransaction(db, async ({ send }) => {
			const [a, b] = await Promise.all([send(sql`${insert(1)} returning id`), send(sql`select count(*)::int as n from pipeline_probe`)]);
			return { value: [Number(a[0]!.id), Number(b[0]!.n)], last: [insert(2), insert(3)] };
		});
		// The second statement ran after the first, in the same transaction.
		expect(value).toEqual([1, 1]);
		expect(await stored()).toEqual([1, 2, 3]);
	});

	it('stores nothing when one of the last statements fails, and throws its error', async () => {
		expect(
			await code(
				pipelinedTransaction(db, async ({ send }) => {
					await send(insert(10));
					return { value: null, last: [insert(11), insert(-1), insert(12)] };
				})
			)
		).toBe('23514');
		expect(await stored()).toEqual([1, 2, 3]);
	});

	it('stores nothing when an earlier statement no one awaited failed: the first error is thrown', async () => {
		expect(
			await code(
				pipelinedTransaction(db, async ({ send }) => {
					void send(insert(1)).catch(() => {}); // a duplicate key, not awaited
					return { value: null, last: [insert(20)] };
				})
			)
		).toBe('23505');
		expect(await stored()).toEqual([1, 2, 3]);
	});

	it('rolls back when the function throws after sending', async () => {
		await expect(
			pipelinedTransaction(db, async ({ send }) => {
				await send(insert(30));
				throw new Error('refused');
			})
		).rejects.toThrow('refused');
		expect(await stored()).toEqual([1, 2, 3]);
		// And the connection is usable afterwards: a new transaction on the pool commits.
		await pipelinedTransaction(db, async () => ({ value: null, last: [insert(4)] }));
		expect(await stored()).toEqual([1, 2, 3, 4]);
	});
});
