/**
 * DATABASE_READ_URL against a real streaming replica: a throwaway primary (initdb) and a hot
 * standby made from it with pg_basebackup, both in a temporary folder on ports of their own (the
 * system cluster is not touched). The app writes to the primary and reads cohort charts and
 * exports from the standby:
 *   - saves go to the primary; once the standby has replayed them the chart counts them;
 *   - with the standby's replay paused, a new save is not in the chart: the chart is read there;
 *   - an export downloads from the standby and its audit row is written on the primary (the
 *     standby is read-only: an export that wrote there would fail);
 *   - with the standby stopped, charts answer 503 with the plain message and saves still work;
 *     started again, charts answer without an app restart.
 * Needs root (or password-less sudo) to run PostgreSQL's own commands as the postgres user.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { onExit, saysDatabaseUnavailable, sleep, type Report, type Scenario } from './harness';
import { portIsFree, startServer, type Server } from './server';
import { postForm, request } from './http';
import { fixtures } from './fixtures';
import { nextVisitDate, visitForm } from './visits';

const DB = 'outcome_tracker_rel_replica';
const PATIENTS = 6;

function pgBin(): string {
	const versions = fs.existsSync('/usr/lib/postgresql') ? fs.readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a)) : [];
	for (const v of versions) if (fs.existsSync(`/usr/lib/postgresql/${v}/bin/pg_ctl`)) return `/usr/lib/postgresql/${v}/bin`;
	throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql');
}

/** A PostgreSQL command run as the postgres user (the server refuses to run as root). */
function asPostgres(command: string, args: string[], timeoutMs = 120_000): { ok: boolean; output: string } {
	const asRoot = process.getuid?.() === 0;
	const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : ['sudo', ['-n', '-u', 'postgres', command, ...args]];
	const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: timeoutMs });
	return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? r.error.message : ''}`.trim() };
}

function must(r: { ok: boolean; output: string }, what: string) {
	if (!r.ok) throw new Error(`${what} failed: ${r.output}`);
}

async function freePgPort(from: number): Promise<number> {
	for (let port = from; port < from + 200; port++) if (await portIsFree(port)) return port;
	throw new Error(`no free port from ${from}`);
}

/** Sum of the chart's n over every point: how many first visits with FSS-9 the chart counts. */
async function chartCount(base: string, cookie: string): Promise<{ status: number; n: number | null; body: string }> {
	const a = await request(`${base}/api/cohort/trend?instrument=fss9&scale=mean&axis=visit&measure=score`, { headers: { cookie, accept: 'application/json' }, timeoutMs: 15_000 });
	if (a.status !== 200) return { status: a.status, n: null, body: a.body };
	const json = JSON.parse(a.body) as { series: { points: { x: number; n: number }[] }[] };
	return { status: 200, n: json.series.reduce((s, c) => s + c.points.filter((p) => p.x === 1).reduce((t, p) => t + p.n, 0), 0), body: '' };
}

export const replica: Scenario = {
	name: 'replica',
	title: 'Charts and exports read from a streaming replica (DATABASE_READ_URL)',
	async run(report: Report) {
		const bin = pgBin();
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outcome-replica-'));
		fs.chownSync(dir, Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim()), Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim()));
		const primaryDir = path.join(dir, 'primary');
		const standbyDir = path.join(dir, 'standby');
		const primaryPort = await freePgPort(5440);
		const standbyPort = await freePgPort(primaryPort + 1);
		const ctl = (data: string, action: string, port?: number) =>
			asPostgres(`${bin}/pg_ctl`, ['-D', data, '-l', `${data}.log`, '-w', '-t', '60', ...(port ? ['-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`] : []), action]);
		const stopAll = () => {
			for (const d of [standbyDir, primaryDir]) if (fs.existsSync(path.join(d, 'postmaster.pid'))) asPostgres(`${bin}/pg_ctl`, ['-D', d, '-m', 'immediate', 'stop'], 30_000);
		};
		onExit(stopAll);
		const servers: Server[] = [];
		const clients: postgres.Sql[] = [];
		try {
			must(asPostgres(`${bin}/initdb`, ['-D', primaryDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8']), 'initdb');
			must(ctl(primaryDir, 'start', primaryPort), 'starting the primary');
			const primaryAdmin = postgres(`postgres://postgres@127.0.0.1:${primaryPort}/postgres`, { max: 1, onnotice: () => {} });
			clients.push(primaryAdmin);
			await primaryAdmin.unsafe(`create database ${DB}`);
			must(asPostgres(`${bin}/pg_basebackup`, ['-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres', '-D', standbyDir, '-R', '-X', 'stream', '-c', 'fast']), 'pg_basebackup');
			fs.appendFileSync(path.join(standbyDir, 'postgresql.auto.conf'), 'hot_standby_feedback = on\n');
			must(ctl(standbyDir, 'start', standbyPort), 'starting the standby');
			const primaryUrl = `postgres://postgres@127.0.0.1:${primaryPort}/${DB}`;
			const standbyUrl = `postgres://postgres@127.0.0.1:${standbyPort}/${DB}`;
			const primary = postgres(primaryUrl, { max: 1, onnotice: () => {} });
			const standby = postgres(standbyUrl, { max: 1, onnotice: () => {} });
			clients.push(primary, standby);
			const [rec] = await standby`select pg_is_in_recovery() as r`;
			report.check('the read database is a hot standby of the primary', rec!.r === true);
			/** Waits until the standby has replayed everything the primary has written. */
			const caughtUp = async (timeoutMs = 20_000) => {
				const [{ lsn }] = (await primary`select pg_current_wal_lsn()::text as lsn`) as unknown as [{ lsn: string }];
				const end = Date.now() + timeoutMs;
				while (Date.now() < end) {
					const [r] = await standby`select pg_last_wal_replay_lsn() >= ${lsn}::pg_lsn as done`;
					if (r!.done) return true;
					await sleep(100);
				}
				return false;
			};

			// The app migrates the primary when it starts; users and patients are made there.
			const server = await startServer('replica', { DATABASE_URL: primaryUrl, DATABASE_READ_URL: standbyUrl, MIN_CELL_SIZE: '5' });
			servers.push(server);
			const fx = await fixtures(primaryUrl);
			try {
				const clinician = await fx.user('clinician', 'replica');
				const researcher = await fx.user('researcher', 'replica');
				const [clinicianCookie, researcherCookie] = [await fx.cookie(clinician.id), await fx.cookie(researcher.id)];
				const patients = await fx.patients(clinician.id, PATIENTS + 1, 'replica');
				const save = (patientId: string, note: string) => postForm(server.base, `/patients/${patientId}/visits/new`, visitForm(note, nextVisitDate(patientId)), clinicianCookie);

				const first = await Promise.all(patients.slice(0, PATIENTS).map((id, i) => save(id, `replica-${i}`)));
				report.check(`${PATIENTS} saves answered 303 (written on the primary)`, first.every((a) => a.status === 303), first.map((a) => a.status).join(' '));
				report.check('the standby replayed them', await caughtUp());
				const before = await chartCount(server.base, researcherCookie);
				report.counts.chartAfterSaves = before.n;
				report.check(`the chart counts the ${PATIENTS} first visits`, before.n === PATIENTS, JSON.stringify(before));

				// Replay paused: a save reaches the primary only; the chart, read on the standby, does not move.
				await standby`select pg_wal_replay_pause()`;
				const late = await save(patients[PATIENTS]!, 'replica-late');
				const [onPrimary] = await primary`select count(*)::int as n from visits`;
				const paused = await chartCount(server.base, researcherCookie);
				report.counts.visitsOnPrimary = onPrimary!.n as number;
				report.counts.chartWhilePaused = paused.n;
				report.check('with replay paused, the new save is on the primary but not in the chart (read on the standby)', late.status === 303 && onPrimary!.n === PATIENTS + 1 && paused.n === PATIENTS, `save ${late.status}, primary ${onPrimary!.n}, chart ${paused.n}`);
				// Still paused: an export reads the standby, and is audited on the primary.
				const [auditsBefore] = await primary`select count(*)::int as n from audit_log where action = 'export'`;
				const exported = await request(`${server.base}/api/export.csv?instruments=fss9,pain_nrs,who5&k=3`, { headers: { cookie: researcherCookie }, timeoutMs: 30_000 });
				const lines = exported.body.trim().split('\r\n').length;
				const [auditsAfter] = await primary`select count(*)::int as n from audit_log where action = 'export'`;
				report.counts.exportLines = lines;
				const [scoresOnStandby] = await standby`select count(*)::int as n from response_scores`;
				const [scoresOnPrimary] = await primary`select count(*)::int as n from response_scores`;
				report.check(
					'the export downloads whole from the standby: one line per score row there (the paused save\'s rows, on the primary only, are not in it)',
					exported.status === 200 && lines - 1 === scoresOnStandby!.n && scoresOnPrimary!.n > scoresOnStandby!.n,
					`status ${exported.status}, ${lines - 1} rows; score rows on the standby ${scoresOnStandby!.n}, on the primary ${scoresOnPrimary!.n}`
				);
				report.check('its audit row is written on the primary', (auditsAfter!.n as number) === (auditsBefore!.n as number) + 1);

				await standby`select pg_wal_replay_resume()`;
				await caughtUp();
				const resumed = await chartCount(server.base, researcherCookie);
				report.check('replay resumed: the chart counts it', resumed.n === PATIENTS + 1, JSON.stringify(resumed));

				// The standby down: charts say the database is unavailable (503), saves go on.
				must(asPostgres(`${bin}/pg_ctl`, ['-D', standbyDir, '-m', 'fast', '-w', 'stop']), 'stopping the standby');
				const down = await request(`${server.base}/api/cohort/trend?instrument=fss9&scale=mean&axis=visit&measure=score`, { headers: { cookie: researcherCookie, accept: 'application/json' }, timeoutMs: 20_000 });
				const saveWhileDown = await save(patients[0]!, 'replica-while-down');
				report.check('standby stopped: the chart answers 503 with the plain message', down.status === 503 && saysDatabaseUnavailable(down.body), `${down.status} ${down.body.slice(0, 120)}`);
				report.check('standby stopped: saves still answer 303', saveWhileDown.status === 303, String(saveWhileDown.status));
				must(ctl(standbyDir, 'start', standbyPort), 'starting the standby again');
				let back = { status: 0, n: null as number | null, body: '' };
				const end = Date.now() + 20_000;
				while (Date.now() < end) {
					back = await chartCount(server.base, researcherCookie);
					if (back.status === 200) break;
					await sleep(250);
				}
				report.check('standby started again: the chart answers without an app restart', back.status === 200, JSON.stringify(back));
			} finally {
				await fx.database.close();
			}
		} finally {
			for (const s of servers) await s.stop('SIGTERM', 10_000);
			await Promise.all(clients.map((c) => c.end({ timeout: 5 }).catch(() => {})));
			stopAll();
			fs.rmSync(dir, { recursive: true, force: true });
		}
	}
};
