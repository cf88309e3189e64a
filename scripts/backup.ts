/**
 * `npm run backup -- [--out FILE] [--force]`: a consistent backup of the app's database.
 *  - PostgreSQL (DATABASE_URL set): `pg_dump --format=custom`, one snapshot, so the app may keep
 *    running and writing. Needs pg_dump of the server's major version or newer.
 *  - Embedded (DATA_DIR, default ./data): PGlite is one process, so the app must be stopped. The
 *    data folder is opened once (which replays anything unfinished and checkpoints it), closed,
 *    then archived with the keys generated in DATA_DIR (export-secret, audit-secret, mfa-key) as a .tar.gz.
 * The keys (EXPORT_SECRET, AUDIT_SECRET, MFA_ENCRYPTION_KEY) are never in a PostgreSQL dump: keep them safe on their own.
 * Restore: `npm run restore -- --from FILE` (README "Backup and restore").
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { settings } from '../src/lib/server/config';
import { KEY_FILES } from './backup-check';

const { values } = parseArgs({ options: { out: { type: 'string' }, force: { type: 'boolean', default: false } } });
const s = settings();
const stamp = new Date().toISOString().slice(0, 16).replace(/[:T]/g, '-');
const out = path.resolve(values.out ?? (s.databaseUrl ? `outcomes-${stamp}.dump` : `outcomes-${stamp}.tar.gz`));
const started = performance.now();
const fail = (message: string): never => {
	console.error(message);
	process.exit(1);
};
if (fs.existsSync(out)) fail(`${out} exists; choose another --out.`);

if (s.databaseUrl) {
	const dumped = spawnSync('pg_dump', ['--format=custom', '--file', out, '--dbname', s.databaseUrl], { stdio: ['ignore', 'inherit', 'inherit'] });
	if (dumped.error) fail(`pg_dump could not run (${dumped.error.message}); install the PostgreSQL client tools.`);
	if (dumped.status !== 0) fail('pg_dump failed; nothing was written.');
	// Reading the archive's table of contents back proves it is complete and readable.
	const list = spawnSync('pg_restore', ['--list', out], { encoding: 'utf8' });
	if (list.status !== 0) fail(`pg_restore cannot read ${out}: ${list.stderr}`);
	const tables = list.stdout.split('\n').filter((l) => / TABLE DATA /.test(l)).length;
	console.log(`Backed up ${new URL(s.databaseUrl).pathname.slice(1)} to ${out} (${size(out)}, ${tables} tables) in ${seconds()} s.`);
	console.log('The keys (EXPORT_SECRET, AUDIT_SECRET, MFA_ENCRYPTION_KEY) are not in the dump: keep them safe separately.');
} else {
	const folder = path.join(s.dataDir, 'pglite');
	if (!fs.existsSync(path.join(folder, 'PG_VERSION'))) fail(`No embedded database in ${folder} (set DATA_DIR, or DATABASE_URL for PostgreSQL).`);
	// PGlite keeps this file while the database is open, and removes it on a clean close.
	if (fs.existsSync(path.join(folder, 'postmaster.pid')) && !values.force) {
		fail(
			`The embedded database in ${folder} is in use: stop the app first (PGlite allows one process).\n` +
				'If no app is running (it was killed), --force opens it anyway and recovers it first.'
		);
	}
	const { PGlite } = await import('@electric-sql/pglite');
	const pg = new PGlite(folder);
	await pg.waitReady;
	await pg.exec('checkpoint');
	await pg.close();
	const entries = ['pglite', ...KEY_FILES.filter((f) => fs.existsSync(path.join(s.dataDir, f)))];
	const tar = spawnSync('tar', ['-czf', out, '-C', s.dataDir, ...entries], { stdio: ['ignore', 'inherit', 'inherit'] });
	if (tar.error || tar.status !== 0) {
		fs.rmSync(out, { force: true });
		fail(`tar failed${tar.error ? ` (${tar.error.message})` : ''}; nothing was written.`);
	}
	console.log(`Backed up ${s.dataDir} (${entries.join(' and ')}) to ${out} (${size(out)}) in ${seconds()} s.`);
}

function size(file: string): string {
	const bytes = fs.statSync(file).size;
	return bytes > 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} kB`;
}
function seconds(): string {
	return ((performance.now() - started) / 1000).toFixed(1);
}
