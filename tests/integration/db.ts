/** One database per test worker (PGlite start-up is slow), emptied between tests. */
import { sql } from 'drizzle-orm';
import { executeRows, openDatabase, type Database, type Db } from '../../src/lib/server/db';
import { forgetInstalledInstruments } from '../../src/lib/server/instruments/installed';
import { registerBuiltInDefinitions } from '../../src/lib/server/instruments/builtin';
import { bundledInstruments } from '../../src/lib/instruments/registry';

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
		// Every table but the reference lists the migrations fill, so a new table is never missed.
		const tables = (
			await executeRows(tx, sql`select tablename from pg_tables where schemaname = 'public' and tablename not in ('conditions', 'instrument_scales', 'ae_categories', 'instrument_items') order by 1`)
		).map((r) => `"${String(r.tablename)}"`);
		await tx.execute(sql.raw(`truncate ${tables.join(', ')} restart identity cascade`));
		await tx.execute(sql`delete from conditions where created_at > (select min(created_at) from conditions)`);
		await tx.execute(sql`delete from ae_categories where created_at > (select min(created_at) from ae_categories)`);
		// The scale and item ranges of instruments a test uploaded (the built-ins' stay, as migrations and start-up write them).
		const builtIn = sql.join(bundledInstruments().map((d) => sql`${d.id}`), sql`, `);
		await tx.execute(sql`delete from instrument_scales where instrument_id not in (${builtIn})`);
		await tx.execute(sql`delete from instrument_items where instrument_id not in (${builtIn})`);
	});
	// The built-in definitions, as the start-up registers them.
	await registerBuiltInDefinitions(db);
	forgetInstalledInstruments();
}
