/**
 * `npm run restore -- --from FILE`: puts a backup made by `npm run backup` back, then lists the
 * rows of every table and verifies the audit chain (exit 1 if it is broken).
 *  - PostgreSQL (DATABASE_URL set): into an empty database, with `pg_restore` in one transaction
 *    (all or nothing). Create it first, e.g. `createdb outcomes_restored`.
 *  - Embedded (DATA_DIR): into a DATA_DIR that holds no database yet; the app must be stopped.
 * Never overwrites: a restore into a database or folder that already holds data is refused.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { settings } from '../src/lib/server/config';
import * as schema from '../src/lib/server/db/schema';
import type { Db } from '../src/lib/server/db';
import { KEY_FILES, printSummary, summarise } from './backup-check';

const { values } = parseArgs({ options: { from: { type: 'string' } } });
const fail = (message: string): never => {
	console.error(message);
	process.exit(1);
};
if (!values.from) fail('usage: npm run restore -- --from FILE');
const from = path.resolve(values.from!);
if (!fs.existsSync(from)) fail(`${from} does not exist.`);
const s = settings();
const started = performance.now();

if (s.databaseUrl) {
	const client = postgres(s.databaseUrl, { max: 1, onnotice: () => {} });
	const [{ n }] = (await client`select count(*)::int as n from information_schema.tables
		where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')`) as unknown as [{ n: number }];
	if (n > 0) {
		await client.end();
		fail(`The database ${new URL(s.databaseUrl).pathname.slice(1)} already has ${n} tables: restore into a new, empty database.`);
	}
	const restored = spawnSync('pg_restore', ['--no-owner', '--no-privileges', '--exit-on-error', '--single-transaction', '--dbname', s.databaseUrl, from], {
		stdio: ['ignore', 'inherit', 'inherit']
	});
	if (restored.error) fail(`pg_restore could not run (${restored.error.message}); install the PostgreSQL client tools.`);
	if (restored.status !== 0) {
		await client.end();
		fail('pg_restore failed; the database was left empty (the restore is one transaction).');
	}
	const { drizzle } = await import('drizzle-orm/postgres-js');
	const summary = await summarise(drizzle(client, { schema }) as unknown as Db);
	await client.end();
	report(summary, new URL(s.databaseUrl).pathname.slice(1));
} else {
	const folder = path.join(s.dataDir, 'pglite');
	if (fs.existsSync(folder) && fs.readdirSync(folder).length > 0) fail(`${folder} already holds a database: restore into a new DATA_DIR.`);
	for (const key of KEY_FILES.map((f) => path.join(s.dataDir, f))) if (fs.existsSync(key)) fail(`${key} exists: restore into a new DATA_DIR.`);
	fs.mkdirSync(s.dataDir, { recursive: true });
	const tar = spawnSync('tar', ['-xzf', from, '-C', s.dataDir], { stdio: ['ignore', 'inherit', 'inherit'] });
	if (tar.error || tar.status !== 0) fail(`tar could not unpack ${from}${tar.error ? ` (${tar.error.message})` : ''}.`);
	if (!fs.existsSync(path.join(folder, 'PG_VERSION'))) fail(`${from} holds no embedded database (pglite/).`);
	const { PGlite } = await import('@electric-sql/pglite');
	const { drizzle } = await import('drizzle-orm/pglite');
	const pg = new PGlite(folder);
	await pg.waitReady;
	const summary = await summarise(drizzle(pg, { schema }) as unknown as Db);
	await pg.close();
	report(summary, s.dataDir);
}

function report(summary: Awaited<ReturnType<typeof summarise>>, where: string) {
	console.log(`Restored ${from} into ${where} in ${((performance.now() - started) / 1000).toFixed(1)} s:`);
	printSummary(summary);
	if (!summary.audit.intact) process.exit(1);
}
