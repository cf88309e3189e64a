/**
 * The database handle. PostgreSQL (postgres.js) when DATABASE_URL is set, otherwise embedded
 * PGlite with its data in DATA_DIR. Migrations from ./drizzle are applied on open, on both.
 */
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
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

/** Whether `db` is PostgreSQL (postgres.js answers an array of rows), not PGlite (`{ rows }`). One round trip. */
export async function isPostgres(db: Db): Promise<boolean> {
	return Array.isArray(await db.execute(sql`select 1`));
}

export interface Database {
	/** The current handle: on PostgreSQL a fresh pool's after a connection died in use, so read it per use. */
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
	/** Apply the migrations on open (default); off for a read replica, which cannot be written. */
	migrate?: boolean;
	/** postgres.js application_name, as pg_stat_activity shows it. */
	applicationName?: string;
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

/**
 * Seconds before a pooled connection tries again after a failed connect: 0.1, 0.2, 0.4, 0.8,
 * then 1. postgres.js's default grows to 20 s within seven failures, counted across the pool, and
 * a query that arrives meanwhile waits out the delay before the connection even tries: during a
 * PostgreSQL restart requests hung for 15 s and more, and the app took 8–10 s to notice the
 * database was back (docs/reliability.md). A refused connect costs the server nothing.
 */
export function reconnectDelay(failures: number): number {
	return Math.min(0.05 * 2 ** failures, 1);
}

const NULL_SOCKET = "Cannot read properties of null (reading 'write')";
const brokenPoolListeners = new Set<() => void>();
let deferredWritesWatched = false;

/**
 * postgres.js 3.4.9 sends small writes from `setImmediate(nextWrite)`, and a connection that dies
 * in use breaks it (porsager/postgres#1154, #1208; a PostgreSQL restart under load hits this,
 * docs/reliability.md): closed with a write pending, it cancels the immediate but keeps its handle,
 * so that connection never sends again (each later use hangs until connect_timeout); a write
 * queued after the close (the ROLLBACK of a transaction whose connection died) makes `nextWrite`
 * use the closed socket: an uncaught TypeError that ends the process. Until a release fixes
 * this, `nextWrite` immediates (and only those) always run; one that finds its socket gone does
 * nothing and tells each open pool to replace itself, leaving the broken connections behind.
 */
function watchDeferredWrites(): void {
	if (deferredWritesWatched) return;
	deferredWritesWatched = true;
	const set = globalThis.setImmediate;
	const clear = globalThis.clearImmediate;
	const ours = new WeakSet<NodeJS.Immediate>();
	const watched = function (callback: (...args: unknown[]) => void, ...args: unknown[]) {
		if (typeof callback !== 'function' || callback.name !== 'nextWrite') return set(callback, ...args);
		const handle: NodeJS.Immediate = set(() => {
			try {
				callback(...args);
			} catch (err) {
				if ((err as Error)?.message === NULL_SOCKET) for (const renew of brokenPoolListeners) renew();
				// Already flushed by a direct call: nothing was left to write.
				else if ((err as NodeJS.ErrnoException)?.code !== 'ERR_STREAM_NULL_VALUES') throw err;
			}
		});
		ours.add(handle);
		return handle;
	};
	Object.defineProperties(watched, Object.getOwnPropertyDescriptors(set));
	globalThis.setImmediate = watched as unknown as typeof setImmediate;
	globalThis.clearImmediate = function (handle?: NodeJS.Immediate) {
		if (!handle || !ours.has(handle)) clear(handle);
	} as typeof clearImmediate;
}

/**
 * A postgres.js pool, migrated, that a broken connection replaces with a fresh one (at most every
 * 250 ms): `current()` is always the fresh one. The old pool ends once its queries finish (no
 * timeout: a long export keeps going); its dead connections hold no socket and are dropped.
 */
async function openPostgres(url: string, max: number, migrationsFolder: string | null, applicationName: string): Promise<{ current: () => Db; close: () => Promise<void> }> {
	const { default: postgres } = await import('postgres');
	const { drizzle, PostgresJsSession } = await import('drizzle-orm/postgres-js');
	const { migrate } = await import('drizzle-orm/postgres-js/migrator');
	preparedByDefault(PostgresJsSession);
	watchDeferredWrites();
	const open = () => {
		const client = postgres(url, {
			max,
			onnotice: () => {},
			connection: { application_name: applicationName },
			// A server that accepts the socket but never answers (a failover, a stuck shutdown)
			// fails the request after 5 s instead of postgres.js's 30.
			connect_timeout: 5,
			backoff: reconnectDelay
		});
		return { client, db: drizzle(client, { schema }) };
	};
	let pool = open();
	if (migrationsFolder) await migrate(pool.db, { migrationsFolder });
	let renewal: ReturnType<typeof setTimeout> | null = null;
	let renewedAt = 0;
	const renew = () => {
		if (renewal) return;
		renewal = setTimeout(() => {
			renewal = null;
			renewedAt = performance.now();
			const old = pool;
			pool = open();
			void old.client.end();
			console.error('A PostgreSQL connection died while in use: the connection pool was replaced.');
		}, Math.max(0, renewedAt + 250 - performance.now()));
		renewal.unref();
	};
	brokenPoolListeners.add(renew);
	return {
		current: () => pool.db as unknown as Db,
		close: async () => {
			brokenPoolListeners.delete(renew);
			if (renewal) clearTimeout(renewal);
			await pool.client.end({ timeout: 5 });
		}
	};
}

/** After the migrations: the built-in instrument files not stored yet (a release needs no migration for them). */
async function registerBuiltIns(db: Db): Promise<void> {
	const { registerBuiltInDefinitions } = await import('../instruments/builtin');
	await registerBuiltInDefinitions(db);
}

export async function openDatabase(options: OpenOptions): Promise<Database> {
	const folder = options.migrationsFolder ?? migrationsFolder();
	if (options.url) {
		const pool = await openPostgres(options.url, options.max ?? 10, options.migrate === false ? null : folder, options.applicationName ?? 'outcome-tracker');
		if (options.migrate !== false) await registerBuiltIns(pool.current());
		return {
			get db() {
				return pool.current();
			},
			driver: 'postgres',
			close: pool.close
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
	await registerBuiltIns(db as unknown as Db);
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
	__outcomeRead?: Database;
};

/**
 * Opens (once) the database the settings point at, and the read replica when DATABASE_READ_URL
 * names one (no migrations there: it follows the primary, which has them).
 */
export function connect(settings: { databaseUrl?: string; databaseReadUrl?: string; dataDir: string }): Promise<Database> {
	holder.__outcomeDb ??= (async () => {
		const primary = await openDatabase(settings.databaseUrl ? { url: settings.databaseUrl } : { dataDir: path.join(settings.dataDir, 'pglite') });
		try {
			holder.__outcomeRead = settings.databaseReadUrl
				? await openDatabase({ url: settings.databaseReadUrl, migrate: false, applicationName: 'outcome-tracker-read' })
				: undefined;
		} catch (err) {
			await primary.close();
			throw err;
		}
		return (holder.__outcomeCurrent = primary);
	})().catch((err) => {
		holder.__outcomeDb = undefined;
		throw err;
	});
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

/**
 * For reads that may lag the primary by a moment (cohort charts, exports): the read replica when
 * DATABASE_READ_URL names one, else the database itself. Never written to: an export's audit row
 * goes through `db()`.
 */
export function readDb(): Db {
	const primary = database();
	return (holder.__outcomeRead ?? primary).db;
}

export async function disconnect(): Promise<void> {
	const pending = holder.__outcomeDb;
	const read = holder.__outcomeRead;
	holder.__outcomeDb = undefined;
	holder.__outcomeCurrent = undefined;
	holder.__outcomeRead = undefined;
	await Promise.all([pending?.then((d) => d.close()), read?.close()]);
}
