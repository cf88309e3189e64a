/**
 * `npm run backup` / `npm run restore`, as documented, on both databases. PostgreSQL: a seeded
 * cohort plus saves through the app; one backup taken while clinicians keep saving (it must be a
 * consistent snapshot) and one of the quiet database, restored into new databases and compared
 * table by table (rows and a checksum of their content), with the audit chain verified and the
 * app served from the copy. Embedded: the same with the data folder, which the command refuses
 * to back up while the app has it open.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { openDatabase, type Db } from '../../src/lib/server/db';
import { summarise, tableChecksum, tableNames } from '../backup-check';
import { root, sleep, type Report, type Scenario } from './harness';
import { connectionsTo, databaseUrl, dropDatabase, freshDatabase } from './pg';
import { npmRun, startServer, type Server } from './server';
import { getPage, postForm } from './http';
import { fixtures } from './fixtures';
import { isWhole, nextVisitDate, storedSaves, visitForm } from './visits';

const SOURCE = 'outcome_tracker_rel_backup';
const RESTORED_LIVE = 'outcome_tracker_rel_backup_live';
const RESTORED = 'outcome_tracker_rel_backup_restored';
const work = path.join(root, '.test-data', 'reliability');

/** Rows and content checksum of every table, and the audit chain. */
async function snapshot(db: Db) {
	const summary = await summarise(db);
	const sums: Record<string, string> = {};
	for (const name of await tableNames(db)) sums[name] = await tableChecksum(db, name);
	return { ...summary, sums };
}
type Snapshot = Awaited<ReturnType<typeof snapshot>>;

function compare(a: Snapshot, b: Snapshot) {
	const names = [...new Set([...Object.keys(a.tables), ...Object.keys(b.tables)])];
	const differing = names.filter((n) => a.tables[n] !== b.tables[n] || a.sums[n] !== b.sums[n]);
	return { tables: names.length, rows: Object.values(a.tables).reduce((x, y) => x + y, 0), differing };
}

async function saves(base: string, cookie: string, patients: string[], count: number, tag: string) {
	let ok = 0;
	for (let i = 0; i < count; i++) if ((await postForm(base, `/patients/${patients[i % patients.length]}/visits/new`, visitForm(`${tag}-${i}`, nextVisitDate(patients[i % patients.length]!)), cookie)).status === 303) ok++;
	return ok;
}

export const backup: Scenario = {
	name: 'backup',
	title: 'Backup and restore (pg_dump / pg_restore, and the embedded data folder)',
	async run(report: Report) {
		fs.mkdirSync(work, { recursive: true });
		await postgresBackup(report);
		await embeddedBackup(report);
	}
};

async function postgresBackup(report: Report) {
	const url = await freshDatabase(SOURCE);
	await freshDatabase(RESTORED_LIVE);
	await freshDatabase(RESTORED);
	const liveFile = path.join(work, 'backup-live.dump');
	const quietFile = path.join(work, 'backup.dump');
	for (const f of [liveFile, quietFile]) fs.rmSync(f, { force: true });
	const env = { DATABASE_URL: url };
	const seeded = await npmRun('seed', ['--patients', '200', '--seed', '11'], env);
	if (seeded.status !== 0) throw new Error(`seeding failed: ${seeded.output}`);
	const fx = await fixtures(url);
	let server: Server | null = null;
	let restoredServer: Server | null = null;
	try {
		const clinician = await fx.user('clinician', 'backup');
		const cookie = await fx.cookie(clinician.id);
		const patients = await fx.patients(clinician.id, 20, 'backup');
		server = await startServer('backup', env);
		const appSaves = await saves(server.base, cookie, patients, 60, 'before');

		// A backup while four clinicians keep saving: the dump must be one consistent snapshot.
		let stop = false;
		let during = 0;
		const writers = Array.from({ length: 4 }, async (_, w) => {
			const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
			for (let i = 0; !stop; i++) {
				const a = await postForm(server!.base, `/patients/${patients[(i + w) % patients.length]}/visits/new`, visitForm(`during-${w}-${i}`, nextVisitDate(patients[(i + w) % patients.length]!)), cookie, agent);
				if (a.status === 303) during++;
			}
			agent.destroy();
		});
		await sleep(500);
		const liveBackup = await npmRun('backup', ['--out', liveFile], env);
		await sleep(300);
		stop = true;
		await Promise.all(writers);
		const liveRestore = await npmRun('restore', ['--from', liveFile], { DATABASE_URL: databaseUrl(RESTORED_LIVE) });
		const restoredLive = await openDatabase({ url: databaseUrl(RESTORED_LIVE), max: 2 });
		const liveSaves = await storedSaves(restoredLive.db);
		// The app's saves (seeded visits have other instruments): each one whole, or absent.
		const partial = [...liveSaves].filter(([note, s]) => /^(before|during)-/.test(note) && !isWhole(s)).length;
		const liveSummary = await summarise(restoredLive.db);
		await restoredLive.close();
		report.counts.savesDuringLiveBackup = during;
		report.check(
			'PostgreSQL: a backup taken while saves go on restores to a consistent database',
			liveBackup.status === 0 && liveRestore.status === 0 && liveSummary.audit.intact && partial === 0,
			`backup ${liveBackup.status === 0 ? 'ok' : `exit ${liveBackup.status}: ${liveBackup.output.trim()}`} (${liveBackup.ms} ms, ${during} saves during the run); restore ${liveRestore.status === 0 ? 'ok' : `exit ${liveRestore.status}: ${liveRestore.output.trim().slice(-300)}`}; audit chain ${liveSummary.audit.intact ? 'intact' : 'BROKEN'} (${liveSummary.audit.rows} rows); half-written visits ${partial}`
		);

		// The quiet database (server stopped, so the rollup folder cannot move rows meanwhile).
		const stopped = await server.stop();
		server = null;
		if (stopped.code !== 0) report.check('server stopped cleanly', false, `exit ${stopped.code ?? stopped.signal}`);
		const original = await snapshot(fx.database.db);
		const quietBackup = await npmRun('backup', ['--out', quietFile], env);
		const refusedOverwrite = await npmRun('backup', ['--out', quietFile], env);
		const quietRestore = await npmRun('restore', ['--from', quietFile], { DATABASE_URL: databaseUrl(RESTORED) });
		const refusedRestore = await npmRun('restore', ['--from', quietFile], { DATABASE_URL: databaseUrl(RESTORED) });
		const restoredDb = await openDatabase({ url: databaseUrl(RESTORED), max: 2 });
		const copy = await snapshot(restoredDb.db);
		const diff = compare(original, copy);
		await restoredDb.close();
		Object.assign(report.counts, {
			pgTables: diff.tables,
			pgRows: diff.rows,
			pgPatients: original.tables['public.patients'] ?? 0,
			pgVisits: original.tables['public.visits'] ?? 0,
			pgAuditRows: original.audit.rows,
			pgBackupMs: quietBackup.ms,
			pgRestoreMs: quietRestore.ms,
			pgRecordsLost: Math.max(0, diff.rows - Object.values(copy.tables).reduce((x, y) => x + y, 0))
		});
		report.check('PostgreSQL: `npm run backup` and `npm run restore` succeed', quietBackup.status === 0 && quietRestore.status === 0, `${quietBackup.output.trim().split('\n')[0]} / restore exit ${quietRestore.status}`);
		report.check(
			'PostgreSQL: every table restored with the same rows, field for field',
			diff.differing.length === 0,
			`${diff.tables} tables, ${diff.rows} rows (${original.tables['public.patients']} patients, ${original.tables['public.visits']} visits, ${appSaves} + ${during} saved through the app); differing: ${diff.differing.join(', ') || 'none'}`
		);
		report.check('PostgreSQL: audit chain intact in the copy', copy.audit.intact && copy.audit.rows === original.audit.rows && /Audit chain intact/.test(quietRestore.output), `${copy.audit.rows} rows verified`);
		report.check(
			'PostgreSQL: the commands refuse to overwrite (existing file, non-empty database)',
			refusedOverwrite.status !== 0 && refusedRestore.status !== 0,
			`backup to an existing file: exit ${refusedOverwrite.status}; restore into a non-empty database: exit ${refusedRestore.status} (${refusedRestore.output.trim()})`
		);
		// The copy serves the app, signed-in session included (sessions are data too).
		restoredServer = await startServer('backup-restored', { DATABASE_URL: databaseUrl(RESTORED) });
		const page = await getPage(restoredServer.base, `/patients/${patients[0]}`, cookie);
		report.check('PostgreSQL: the app runs on the restored database (same session, same patient page)', page.status === 200, `GET patient page: ${page.status}`);
	} finally {
		await server?.stop();
		await restoredServer?.stop();
		await fx.database.close();
	}
	const left = (await connectionsTo(SOURCE)) + (await connectionsTo(RESTORED)) + (await connectionsTo(RESTORED_LIVE));
	report.check('PostgreSQL: no connections left on the scenario databases', left === 0, `${left} open`);
	if (report.checks.every((c) => c.ok)) for (const db of [SOURCE, RESTORED, RESTORED_LIVE]) await dropDatabase(db);
}

async function embeddedBackup(report: Report) {
	const dataDir = path.join(work, 'embedded');
	const restoredDir = path.join(work, 'embedded-restored');
	const file = path.join(work, 'embedded-backup.tar.gz');
	for (const p of [dataDir, restoredDir, file]) fs.rmSync(p, { recursive: true, force: true });
	// The embedded database: no DATABASE_URL; no EXPORT_SECRET, so the app makes DATA_DIR/export-secret.
	const env = { DATABASE_URL: undefined, DATA_DIR: dataDir, EXPORT_SECRET: undefined, NODE_ENV: 'development' };
	const seeded = await npmRun('seed', ['--patients', '40', '--seed', '5'], env);
	if (seeded.status !== 0) throw new Error(`seeding the embedded database failed: ${seeded.output}`);
	// PGlite is one process: fixtures first, then the app.
	const fx = await fixtures({ dataDir });
	const clinician = await fx.user('clinician', 'embedded');
	const cookie = await fx.cookie(clinician.id);
	const patients = await fx.patients(clinician.id, 5, 'embedded');
	await fx.database.close();
	let server: Server | null = await startServer('backup-embedded', env);
	let restoredServer: Server | null = null;
	try {
		const appSaves = await saves(server.base, cookie, patients, 20, 'embedded');
		const whileRunning = await npmRun('backup', ['--out', file], env);
		report.check(
			'embedded: `npm run backup` refuses while the app has the database open',
			whileRunning.status !== 0 && /in use/.test(whileRunning.output) && !fs.existsSync(file),
			`exit ${whileRunning.status}: ${whileRunning.output.trim().split('\n')[0]}`
		);
		const stopped = await server.stop();
		server = null;
		if (stopped.code !== 0) report.check('embedded: server stopped cleanly', false, `exit ${stopped.code ?? stopped.signal}`);
		const made = await npmRun('backup', ['--out', file], env);
		const restored = await npmRun('restore', ['--from', file], { ...env, DATA_DIR: restoredDir });
		const read = async (dir: string) => {
			const database = await openDatabase({ dataDir: path.join(dir, 'pglite') });
			try {
				return await snapshot(database.db);
			} finally {
				await database.close();
			}
		};
		const original = await read(dataDir);
		const copy = await read(restoredDir);
		const diff = compare(original, copy);
		const secretSame = fs.readFileSync(path.join(dataDir, 'export-secret'), 'utf8') === fs.readFileSync(path.join(restoredDir, 'export-secret'), 'utf8');
		Object.assign(report.counts, {
			embeddedTables: diff.tables,
			embeddedRows: diff.rows,
			embeddedAuditRows: original.audit.rows,
			embeddedBackupMs: made.ms,
			embeddedRestoreMs: restored.ms
		});
		report.check('embedded: `npm run backup` and `npm run restore` succeed', made.status === 0 && restored.status === 0, `${made.output.trim().split('\n').pop()} / restore exit ${restored.status}`);
		report.check(
			'embedded: every table restored with the same rows, field for field, and the export key',
			diff.differing.length === 0 && secretSame,
			`${diff.tables} tables, ${diff.rows} rows (${appSaves} saves through the app); differing: ${diff.differing.join(', ') || 'none'}; export-secret ${secretSame ? 'identical' : 'DIFFERS'}`
		);
		report.check('embedded: audit chain intact in the copy', copy.audit.intact && copy.audit.rows === original.audit.rows && /Audit chain intact/.test(restored.output), `${copy.audit.rows} rows verified`);
		restoredServer = await startServer('backup-embedded-restored', { ...env, DATA_DIR: restoredDir });
		const page = await getPage(restoredServer.base, `/patients/${patients[0]}`, cookie);
		report.check('embedded: the app runs on the restored folder (same session, same patient page)', page.status === 200, `GET patient page: ${page.status}`);
	} finally {
		await server?.stop();
		await restoredServer?.stop();
	}
	if (report.checks.every((c) => c.ok)) for (const p of [dataDir, restoredDir]) fs.rmSync(p, { recursive: true, force: true });
}
