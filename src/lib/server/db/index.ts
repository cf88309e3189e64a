/**
 * The database handle. PostgreSQL (postgres.js) when DATABASE_URL is set, otherwise embedded
 * PGlite with its data in DATA_DIR. Migrations from ./drizzle are applied on open, on both.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ExtractTablesWithRelations, SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import * as schema from './schema';

export type Schema = typeof schema;
/** A database or a transaction: every query and command takes one of these first. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;

/**
 * Rows of a raw `db.execute(sql…)`: postgres.js returns an array, PGlite `{ rows }`. Raw SQL goes
 * through this so shared code never depends on the driver's result shape.
 */
export async function executeRows(db: Db, query: SQL): Promise<Record<string, unknown>[]> {
	const result: unknown = await db.execute(query);
	return Array.isArray(result) ? (result as Record<string, unknown>[]) : ((result as { rows?: Record<string, unknown>[] }).rows ?? []);
}

export interface Database {
	db: Db;
	driver: 'postgres' | 'pglite';
	close(): Promise<void>;
}

export interface OpenOptions {
	/** postgres:// URL; without it PGlite is used. */
	url?: string;
	/** PGlite data folder; omitted means in memory. */
	dataDir?: string;
	migrationsFolder?: string;
	/** postgres.js pool size. */
	max?: number;
}

export function migrationsFolder(): string {
	return path.resolve(process.env.MIGRATIONS_DIR || 'drizzle');
}

/**
 * Every statement as a named prepared statement. postgres.js runs an unprepared statement with
 * parameters in two round trips (describe, then execute) and PostgreSQL plans it every time;
 * prepared, it costs one round trip once the connection has seen it. Drizzle prepares only the
 * queries given a name, so the session's `prepareQuery` is told there is one (the name itself is
 * unused by this driver). Statements are cached per connection; postgres.js recycles connections
 * after 30–60 minutes, which bounds the cache for SQL whose text varies (IN lists of any length).
 */
function preparedByDefault(session: { prototype: object }): void {
	const proto = session.prototype as { prepareQuery: (...args: unknown[]) => unknown; __prepared?: true };
	if (proto.__prepared) return;
	const original = proto.prepareQuery;
	proto.prepareQuery = function (this: unknown, query: unknown, fields: unknown, name: unknown, ...rest: unknown[]) {
		return original.call(this, query, fields, name ?? '', ...rest);
	};
	proto.__prepared = true;
}

export async function openDatabase(options: OpenOptions): Promise<Database> {
	const folder = options.migrationsFolder ?? migrationsFolder();
	if (options.url) {
		const { default: postgres } = await import('postgres');
		const { drizzle, PostgresJsSession } = await import('drizzle-orm/postgres-js');
		preparedByDefault(PostgresJsSession);
		const { migrate } = await import('drizzle-orm/postgres-js/migrator');
		const client = postgres(options.url, {
			max: options.max ?? 10,
			onnotice: () => {},
			connection: { application_name: 'outcome-tracker' }
		});
		const db = drizzle(client, { schema });
		await migrate(db, { migrationsFolder: folder });
		return {
			db: db as unknown as Db,
			driver: 'postgres',
			close: () => client.end({ timeout: 5 })
		};
	}
	const { PGlite } = await import('@electric-sql/pglite');
	const { drizzle } = await import('drizzle-orm/pglite');
	const { migrate } = await import('drizzle-orm/pglite/migrator');
	if (options.dataDir) fs.mkdirSync(options.dataDir, { recursive: true });
	const client = options.dataDir ? new PGlite(options.dataDir) : new PGlite();
	await client.waitReady;
	const db = drizzle(client, { schema });
	await migrate(db, { migrationsFolder: folder });
	return {
		db: db as unknown as Db,
		driver: 'pglite',
		close: () => client.close()
	};
}

// One handle per process, kept on globalThis so that `vite dev` reloading this module does not
// open a second PGlite on the same folder.
const holder = globalThis as unknown as {
	__outcomeDb?: Promise<Database>;
	__outcomeCurrent?: Database;
};

/** Opens (once) the database the settings point at. */
export function connect(settings: { databaseUrl?: string; dataDir: string }): Promise<Database> {
	holder.__outcomeDb ??= openDatabase(
		settings.databaseUrl
			? { url: settings.databaseUrl }
			: { dataDir: path.join(settings.dataDir, 'pglite') }
	).then(
		(opened) => (holder.__outcomeCurrent = opened),
		(err) => {
			holder.__outcomeDb = undefined;
			throw err;
		}
	);
	return holder.__outcomeDb;
}

/** The open handle; throws if `connect` has not finished (a start-up bug, not a user error). */
export function database(): Database {
	const current = holder.__outcomeCurrent;
	if (!current) throw new Error('Database is not open yet');
	return current;
}
export function db(): Db {
	return database().db;
}

export async function disconnect(): Promise<void> {
	const pending = holder.__outcomeDb;
	holder.__outcomeDb = undefined;
	holder.__outcomeCurrent = undefined;
	if (pending) await (await pending).close();
}
