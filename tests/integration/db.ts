/** One database per test worker (PGlite start-up is slow), emptied between tests. */
import { sql } from 'drizzle-orm';
import { openDatabase, type Database, type Db } from '../../src/lib/server/db';

let opened: Promise<Database> | undefined;

export function testDatabase(): Promise<Database> {
	opened ??= process.env.TEST_DRIVER === 'postgres'
		? openDatabase({ url: process.env.TEST_DATABASE_URL, max: 4 })
		: openDatabase({});
	return opened;
}

export const driverName = process.env.TEST_DRIVER === 'postgres' ? 'postgres' : 'pglite';

/** Empties every table. Triggers (the audit log's refusal of TRUNCATE) are off for this alone. */
export async function resetDatabase(db: Db): Promise<void> {
	await db.transaction(async (tx) => {
		await tx.execute(sql`set local session_replication_role = replica`);
		await tx.execute(
			sql`truncate audit_log, scale_histogram, rollup_state, import_issues, import_chunks, import_column_memory, imports, api_tokens, response_scores, responses, visits, patients, sessions, login_attempts, instance_setup, users restart identity cascade`
		);
		await tx.execute(sql`delete from conditions where created_at > (select min(created_at) from conditions)`);
	});
}
