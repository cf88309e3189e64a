/**
 * `npm run bench -- --patients N` (default 20000): seeds a fresh PostgreSQL database, starts the
 * built app against it, and measures in one run, each against the database's own limit:
 *   - cohort chart: the app's function (rollup) and GET /api/cohort/trend vs the plain SQL from
 *     the raw tables, median and min–max of warm runs, with a check that the numbers agree;
 *   - evidence report: a plan with 3 secondary outcomes, computeReport (and GET /api/reports/<id>
 *     when the app has the plan API) vs a plain-SQL computation of the same numbers, checked equal;
 *   - export: GET /api/export.csv (rows/s, the server's peak RSS) vs COPY (the same rows) TO STDOUT;
 *   - writes: saving a visit with three instruments through the app's form action at concurrency 8
 *     vs the same inserts made directly with postgres.js;
 *   - page loads: the patient page, the cohort page and the due list (/due, schedules set for every condition);
 *   - safety (issue 19): GET /api/safety and the /safety page, in the app and over HTTP, vs a
 *     plain-SQL computation of the same figures, checked identical.
 * Prints a table and writes JSON (--json FILE, default bench-results.json). Needs PostgreSQL:
 * BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/outcome_tracker_bench); that
 * database is dropped and re-created. --skip-seed reuses it as it is.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { sql } from 'drizzle-orm';
import { executeRows, openDatabase } from '../src/lib/server/db';
import { createUser } from '../src/lib/server/users';
import { createApiToken } from '../src/lib/server/auth/tokens';
import { createSession, generateSessionToken, SESSION_COOKIE } from '../src/lib/server/auth/session';
import { cohortTrendFromRollup, cohortTrendPlain, type TrendQuery } from '../src/lib/server/cohort';
import { scoreResponse } from '../src/lib/instruments';
import { copyOut, type CopyClient } from '../src/lib/server/db/copy';
import { sameNumbers } from './same-numbers';
import { currentSchedule, saveSchedule } from '../src/lib/server/schedule';
import { BENCH_PLAN, benchReport } from './report-bench-part';
import { benchSafety } from './safety-bench-part';

// The servers and this process (it seeds users: audited) write the same chains with one key.
process.env.AUDIT_SECRET ??= 'bench-audit-secret-bench-audit-secret-0123';

const { values } = parseArgs({
	options: {
		patients: { type: 'string', default: '20000' },
		json: { type: 'string', default: 'bench-results.json' },
		'skip-seed': { type: 'boolean', default: false },
		seconds: { type: 'string', default: '20' },
		runs: { type: 'string', default: '7' },
		only: { type: 'string', default: 'cohort,report,safety,export,writes,pages' },
		concurrency: { type: 'string', default: '8' },
		'export-runs': { type: 'string', default: '3' },
		'app-processes': { type: 'string', default: '1' },
		client: { type: 'string', default: 'http' },
		rounds: { type: 'string', default: '4' },
		warmup: { type: 'string', default: '3' },
		'plain-runs': { type: 'string', default: '5' }
	}
});
const N = Number(values.patients);
const SECONDS = Number(values.seconds);
const RUNS = Math.max(5, Number(values.runs));
// --only cohort,report,safety,export,writes,pages: a subset of the measurements (while working on one of them).
const ONLY = new Set(values.only!.split(','));
const CONCURRENCY = Number(values.concurrency);
const EXPORT_RUNS = Math.max(1, Number(values['export-runs']));
// --app-processes N: the writes are spread over N copies of the app on one database (as behind a
// load balancer, README "Deploy"); every other part uses the first.
const APP_PROCESSES = Math.max(1, Number(values['app-processes']));
// --client fetch: the saves' load generator uses fetch (undici) instead of node:http.
const CLIENT = values.client === 'fetch' ? 'fetch' : 'http';
// --rounds R: the saves' measurement alternates app and direct inserts R times.
const ROUNDS = Math.max(1, Number(values.rounds));
// --warmup S: seconds of saves (and of direct inserts) before the measured rounds, not counted.
const WARMUP = Math.max(0, Number(values.warmup));
// --plain-runs R: timed runs of the report's and the safety figures' plain-SQL references (5). At
// 200,000 patients one run of the safety reference takes minutes: --plain-runs 1 times one run
// after the check run (which is then its warm-up); the numbers are checked either way.
const PLAIN_RUNS = Math.max(1, Number(values['plain-runs']));
const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/outcome_tracker_bench';
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const log = (s: string) => process.stderr.write(s + '\n');

// ---- helpers -------------------------------------------------------------------------------
const median = (xs: number[]) => {
	const s = [...xs].sort((a, b) => a - b);
	const m = Math.floor(s.length / 2);
	return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const pct = (xs: number[], p: number) => {
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]!;
};
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
async function timeRuns(f: () => Promise<unknown>, runs = RUNS, warmups = 2) {
	for (let i = 0; i < warmups; i++) await f();
	const ms: number[] = [];
	for (let i = 0; i < runs; i++) {
		const t = performance.now();
		await f();
		ms.push(performance.now() - t);
	}
	return { medianMs: round(median(ms)), minMs: round(Math.min(...ms)), maxMs: round(Math.max(...ms)) };
}
/** The plain-SQL references' timing: PLAIN_RUNS runs, warmed up twice when 5 or more (else by the check run before). */
const timePlain = (f: () => Promise<unknown>) => timeRuns(f, PLAIN_RUNS, PLAIN_RUNS >= 5 ? 2 : 0);
/** CPU time (user + system, ms) of a process, or of every process of the postgres user. */
function cpuMs(pid: number): number {
	try {
		const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
		return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
	} catch {
		return 0;
	}
}
function postgresCpuMs(): number {
	let ms = 0;
	for (const d of fs.readdirSync('/proc')) {
		if (!/^\d+$/.test(d)) continue;
		try {
			if (fs.readFileSync(`/proc/${d}/comm`, 'utf8').trim() === 'postgres') ms += cpuMs(Number(d));
		} catch {
			/* gone */
		}
	}
	return ms;
}
const selfCpuMs = () => {
	const u = process.cpuUsage();
	return (u.user + u.system) / 1000;
};
/** Runs f and returns its result with the CPU ms spent meanwhile by the app, PostgreSQL and this script. */
async function withCpu<T>(f: () => Promise<T>): Promise<T & { cpuMs: { app: number; database: number; loadGenerator: number } }> {
	const a0 = servers.reduce((s, p) => s + cpuMs(p.pid!), 0);
	const d0 = postgresCpuMs();
	const l0 = selfCpuMs();
	const r = await f();
	return {
		...r,
		cpuMs: {
			app: Math.round(servers.reduce((s, p) => s + cpuMs(p.pid!), 0) - a0),
			database: Math.round(postgresCpuMs() - d0),
			loadGenerator: Math.round(selfCpuMs() - l0)
		}
	};
}
function rssKb(pid: number): number {
	try {
		const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
		return m ? Number(m[1]) : 0;
	} catch {
		return 0;
	}
}

// ---- database and server -------------------------------------------------------------------
const dbName = new URL(url).pathname.slice(1);
let seedSeconds: number | null = null;
if (!values['skip-seed']) {
	const admin = postgres(url.replace(/\/[^/]*$/, '/postgres'), { max: 1, onnotice: () => {} });
	await admin.unsafe(`drop database if exists "${dbName}" with (force)`);
	await admin.unsafe(`create database "${dbName}"`);
	await admin.end();
	log(`Seeding ${N} patients…`);
	const t = performance.now();
	const seeded = spawnSync(process.execPath, [path.join(root, 'scripts', 'seed.js'), '--patients', String(N), '--seed', '1'], {
		env: { ...process.env, DATABASE_URL: url },
		stdio: ['ignore', 'inherit', 'inherit']
	});
	if (seeded.status !== 0) throw new Error('seeding failed');
	seedSeconds = round((performance.now() - t) / 1000, 1);
	log(`Seeded in ${seedSeconds} s`);
	// What autovacuum would have done by the time anyone reads (it is off on CI's PostgreSQL): the
	// visibility map that index-only scans (the report's, the safety figures') depend on.
	const vac = postgres(url, { max: 1, onnotice: () => {} });
	await vac.unsafe('vacuum analyze');
	await vac.end();
}

const database = await openDatabase({ url, max: 4 });
const db = database.db;
const tag = Date.now().toString(36);
const make = async (role: 'researcher' | 'clinician' | 'admin') => {
	const r = await createUser(db, { id: null }, { email: `bench-${role}-${tag}@clinic.test`, name: `Bench ${role}`, role, password: 'a long enough passphrase' });
	if (!r.ok) throw new Error(r.message);
	return r.value;
};
const researcher = await make('researcher');
const clinician = await make('clinician');
const { token: apiToken } = await createApiToken(db, { id: researcher }, 'bench');
const sessionToken = generateSessionToken();
await createSession(db, sessionToken, clinician, { idleMinutes: 600, maxHours: 12 });
const cookie = `${SESSION_COOKIE}=${sessionToken}`;
const adminToken = generateSessionToken();
await createSession(db, adminToken, await make('admin'), { idleMinutes: 600, maxHours: 12 });
const adminCookie = `${SESSION_COOKIE}=${adminToken}`;

if (!fs.existsSync(path.join(root, 'build', 'index.js'))) {
	log('Building the app…');
	if (spawnSync('npx', ['vite', 'build'], { cwd: root, stdio: 'inherit' }).status !== 0) throw new Error('build failed');
}
const PORT = 4300 + Math.floor(Math.random() * 500);
// One random key for every app process of this run (a value printed anywhere is refused).
const exportSecret = randomBytes(32).toString('hex');
// The node flags of `npm start` (package.json), plus BENCH_SERVER_NODE_ARGS (e.g. --cpu-prof).
const startFlags = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).scripts.start as string).split(' ').filter((w) => w.startsWith('--'));
const serverArgs = [...startFlags, ...(process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean)];
const bases = Array.from({ length: APP_PROCESSES }, (_, i) => `http://127.0.0.1:${PORT + i}`);
const base = bases[0]!;
const servers: ChildProcess[] = bases.map((b, i) =>
	spawn(process.execPath, [...serverArgs, path.join(root, 'build', 'index.js')], {
		env: { ...process.env, DATABASE_URL: url, PORT: String(PORT + i), HOST: '127.0.0.1', ORIGIN: b, NODE_ENV: 'production', EXPORT_SECRET: exportSecret, MFA_ENCRYPTION_KEY: 'bench-mfa-key-bench-mfa-key-bench-mfa-0123', AUDIT_ANCHOR_FILE: path.join(os.tmpdir(), `outcome-bench-anchors-${process.pid}-${i}.log`) },
		stdio: ['ignore', 'ignore', 'inherit']
	})
);
const server = servers[0]!;
process.on('exit', () => servers.forEach((s) => s.kill()));
for (const b of bases) {
	for (let i = 0; ; i++) {
		try {
			if ((await fetch(`${b}/healthz`)).ok) break;
		} catch {
			/* not up yet */
		}
		if (i > 600) throw new Error('server did not start');
		await new Promise((r) => setTimeout(r, 100));
	}
}
// Each part's result is written (JSON file) and printed as soon as it is measured, so a part
// that fails or a run that is stopped keeps what was measured before it.
const results: Record<string, unknown> = new Proxy({ patients: N, date: new Date().toISOString(), node: process.version, seedSeconds } as Record<string, unknown>, {
	set(target, key, value) {
		target[key as string] = value;
		fs.writeFileSync(values.json!, JSON.stringify(target, null, 2) + '\n');
		log(`Result ${String(key)}: ${JSON.stringify(value)}`);
		return true;
	}
});
const [counts] = await executeRows(
	db,
	sql`select (select count(*) from patients)::int as patients, (select count(*) from visits)::int as visits, (select count(*) from response_scores)::int as scores,
		(select count(*) from adverse_events)::int as adverse_events, (select count(*) from flare_episodes)::int as flare_episodes`
);
results.data = counts;
log(`Data: ${JSON.stringify(counts)}`);

// ---- cohort chart --------------------------------------------------------------------------
const charts: { name: string; q: TrendQuery }[] = [
	{ name: 'FSS-9 mean by visit (score)', q: { instrument: 'fss9', scale: 'mean', axis: 'visit', bucket: 2, measure: 'score', conditions: [] } },
	{ name: 'Pain NRS by 2-week bucket (change)', q: { instrument: 'pain_nrs', scale: 'score', axis: 'week', bucket: 2, measure: 'change', conditions: [] } }
];
const cohort = [];
for (const { name, q } of ONLY.has('cohort') ? charts : []) {
	log(`Cohort: ${name}`);
	const fast = await cohortTrendFromRollup(db, q, 5);
	const plain = await cohortTrendPlain(db, q, 5);
	const same = sameNumbers(fast, plain);
	const params = new URLSearchParams({ instrument: q.instrument, scale: q.scale, axis: q.axis, bucket: String(q.bucket), measure: q.measure });
	const http = async () => {
		const r = await fetch(`${base}/api/cohort/trend?${params}`, { headers: { authorization: `Bearer ${apiToken}` } });
		if (!r.ok) throw new Error(`trend ${r.status}`);
		return r.json();
	};
	const app = await timeRuns(() => cohortTrendFromRollup(db, q, 5));
	const viaHttp = await timeRuns(http);
	const sqlPlain = await timeRuns(() => cohortTrendPlain(db, q, 5), Math.max(5, Math.min(RUNS, 5)));
	cohort.push({ chart: name, identicalNumbers: same, appFunction: app, httpEndpoint: viaHttp, plainSql: sqlPlain, speedup: round(sqlPlain.medianMs / app.medianMs, 1), speedupHttp: round(sqlPlain.medianMs / viaHttp.medianMs, 1) });
}
results.cohort = cohort;

// ---- evidence report (issue 20) -----------------------------------------------------------
if (ONLY.has('report')) results.report = await benchReport(db, base, apiToken, timeRuns, timePlain, log);

// ---- safety figures (issue 19) ------------------------------------------------------------
// Before the writes: the figures are of the seeded data only.
if (ONLY.has('safety')) results.safety = await benchSafety(db, base, { apiToken, cookie }, timeRuns, timePlain, log);

const pg = postgres(url, { max: 8, onnotice: () => {} });

// ---- export --------------------------------------------------------------------------------
if (ONLY.has('export')) {
const instruments = 'fss9,pain_nrs,who5,rand36';
const copyQuery = `copy (
	with pv as (
		select v.*, row_number() over w as visit_number, v.visit_date - first_value(v.visit_date) over w as days
		from visits v
		where not v.voided and exists (select 1 from responses r where r.visit_id = v.id and r.instrument_id in ('fss9','pain_nrs','who5','rand36'))
		window w as (partition by v.patient_id order by v.visit_date, v.created_at, v.id)
	)
	select pv.patient_id, p.condition_code, p.sex, p.date_of_birth, pv.visit_number, pv.days, pv.kind, pv.acupuncture_sessions, pv.flare,
		r.instrument_id, r.instrument_version, rs.scale, rs.value
	from pv
	join patients p on p.id = pv.patient_id
	join responses r on r.visit_id = pv.id and r.instrument_id in ('fss9','pain_nrs','who5','rand36')
	join response_scores rs on rs.response_id = r.id
	order by pv.patient_id, pv.visit_number, r.instrument_id, rs.scale
) to stdout with (format csv)`;
// The app's download and COPY, alternately, EXPORT_RUNS times (the machine's speed drifts): medians.
const runs: { rows: number; bytes: number; seconds: number; firstByteMs: number; peakKb: number; copyRows: number; copySeconds: number }[] = [];
const rssBefore = rssKb(server.pid!);
for (let run = 0; run < EXPORT_RUNS; run++) {
	log(`Export over HTTP, then COPY of the same rows (${run + 1} of ${EXPORT_RUNS})…`);
	let peak = rssKb(server.pid!);
	const sampler = setInterval(() => (peak = Math.max(peak, rssKb(server.pid!))), 20);
	let t0 = performance.now();
	const response = await fetch(`${base}/api/export.csv?instruments=${instruments}&pseudonyms=stable&k=5`, { headers: { authorization: `Bearer ${apiToken}` } });
	if (!response.ok || !response.body) throw new Error(`export ${response.status}`);
	let bytes = 0;
	let lines = 0;
	let firstByteMs = 0;
	for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
		if (!firstByteMs) firstByteMs = performance.now() - t0;
		bytes += chunk.byteLength;
		for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) lines++;
	}
	const seconds = (performance.now() - t0) / 1000;
	clearInterval(sampler);
	t0 = performance.now();
	let copyRows = 0;
	// copyOut: the same reader the app uses, which keeps the connection usable afterwards.
	for await (const chunk of copyOut(pg as unknown as CopyClient, copyQuery)) for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) copyRows++;
	runs.push({ rows: lines - 1, bytes, seconds, firstByteMs, peakKb: peak, copyRows, copySeconds: (performance.now() - t0) / 1000 });
}
const appRate = median(runs.map((r) => r.rows / r.seconds));
const copyRate = median(runs.map((r) => r.copyRows / r.copySeconds));
results.export = {
	rows: runs[0]!.rows,
	megabytes: round(runs[0]!.bytes / 1024 / 1024, 1),
	runs: runs.length,
	seconds: runs.map((r) => round(r.seconds, 2)),
	firstByteMs: round(median(runs.map((r) => r.firstByteMs))),
	rowsPerSecond: Math.round(appRate),
	serverRssBeforeMb: Math.round(rssBefore / 1024),
	serverPeakRssMb: Math.round(Math.max(...runs.map((r) => r.peakKb)) / 1024),
	copy: { rows: runs[0]!.copyRows, seconds: runs.map((r) => round(r.copySeconds, 2)), rowsPerSecond: Math.round(copyRate) },
	// Median of the per-run ratios (each run's download against the COPY right after it).
	ratioToCopy: round(median(runs.map((r) => r.rows / r.seconds / (r.copyRows / r.copySeconds))), 2),
	ratiosPerRun: runs.map((r) => round(r.rows / r.seconds / (r.copyRows / r.copySeconds), 2))
};
}

// ---- writes --------------------------------------------------------------------------------
if (ONLY.has('writes')) {
// The app's saves go to 2,000 patients and the direct inserts to 2,000 others: the direct rows
// bypass the rollup and are deleted afterwards, so no app save may ever count them.
// One live visit per patient per date: the n-th round of saves to a patient is dated n days after
// the latest visit of any chosen patient, so every save is the last of its patient's series (the
// common case the save is tuned for). The patients whose series ended longest ago leave the most
// days before tomorrow, the latest date the database accepts.
const chosen = await executeRows(db, sql`select patient_id as id, max(visit_date)::text as last from visits where not voided group by patient_id order by 2, 1 limit 4000`);
const ids = chosen.map((r) => String(r.id));
const half = Math.min(2000, Math.ceil(ids.length / 2));
const patientIds = ids.slice(0, half);
const directIds = ids.slice(half);
const firstDay = Date.parse(`${chosen.reduce((m, r) => (String(r.last) > m ? String(r.last) : m), '1970-01-01')}T00:00:00Z`) + 86_400_000;
const dateOfRound = (round: number) => {
	const date = new Date(firstDay + round * 86_400_000).toISOString().slice(0, 10);
	if (date > new Date(Date.now() + 86_400_000).toISOString().slice(0, 10)) throw new Error(`round ${round} of saves would be dated after tomorrow: seed more patients`);
	return date;
};
const fss = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [String(i + 1), 4]));
const who = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [String(i + 1), 3]));
const form = (visitDate: string) => {
	const f = new URLSearchParams({ visitDate, kind: 'treatment', acupunctureSessions: '1', flare: 'no', note: '' });
	for (const id of ['fss9', 'pain_nrs', 'who5']) f.append('instrument', id);
	for (const [k, v] of Object.entries(fss)) f.append(`i:fss9:${k}`, String(v));
	f.append('i:pain_nrs:pain', '5');
	for (const [k, v] of Object.entries(who)) f.append(`i:who5:${k}`, String(v));
	return f.toString();
};
const bodies = new Map<number, string>();
/** The form for request i: its round's date (built once per round). */
const bodyFor = (i: number) => {
	const round = Math.floor(i / patientIds.length);
	let body = bodies.get(round);
	if (body === undefined) bodies.set(round, (body = form(dateOfRound(round))));
	return body;
};
/** One side's requests for `seconds` at `concurrency`; adds to `into` (requests are numbered on from its count). */
interface Side {
	latencies: number[];
	ok: number;
	errors: number;
	seconds: number;
	cpuMs: { app: number; database: number; loadGenerator: number };
	perRound: number[];
}
const side = (): Side => ({ latencies: [], ok: 0, errors: 0, seconds: 0, cpuMs: { app: 0, database: 0, loadGenerator: 0 }, perRound: [] });
async function load(into: Side, concurrency: number, seconds: number, one: (i: number) => Promise<boolean>) {
	let n = into.latencies.length;
	const okBefore = into.ok;
	const { cpuMs } = await withCpu(async () => {
		const end = performance.now() + seconds * 1000;
		await Promise.all(
			Array.from({ length: concurrency }, async () => {
				while (performance.now() < end) {
					const i = n++;
					const t = performance.now();
					try {
						if (await one(i)) into.ok++;
						else into.errors++;
					} catch {
						into.errors++;
					}
					into.latencies.push(performance.now() - t);
				}
			})
		);
		return {};
	});
	into.seconds += seconds;
	into.perRound.push(round((into.ok - okBefore) / seconds, 1));
	for (const k of ['app', 'database', 'loadGenerator'] as const) into.cpuMs[k] += cpuMs[k];
}
const summary = (x: Side) => ({
	requests: x.latencies.length,
	ok: x.ok,
	errors: x.errors,
	perSecond: round(x.ok / x.seconds, 1),
	perRound: x.perRound,
	p50Ms: round(pct(x.latencies, 0.5)),
	p99Ms: round(pct(x.latencies, 0.99)),
	cpuMs: x.cpuMs,
	// CPU per request, by process (the machine's two cores are shared by all three).
	cpuMsPerRequest: { app: round(x.cpuMs.app / Math.max(1, x.ok)), database: round(x.cpuMs.database / Math.max(1, x.ok)), loadGenerator: round(x.cpuMs.loadGenerator / Math.max(1, x.ok)) }
});
log(`Writes through the app (concurrency ${CONCURRENCY}, ${SECONDS} s)…`);
const [{ visits: visitsBefore, audits: auditsBefore }] = (await executeRows(db, sql`select (select count(*) from visits)::int as visits, (select count(*) from audit_log)::int as audits`)) as [{ visits: number; audits: number }];
// The load generator shares the machine's two cores with the app and PostgreSQL, so it is kept
// light: node:http on kept-alive connections (fetch/undici cost 1.2–1.7 ms of CPU per request,
// node:http about a third of that; docs/performance.md). `--client fetch` measures with fetch.
const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
const post = (to: string, path: string, body: string) =>
	new Promise<number>((resolve, reject) => {
		const req = http.request(`${to}${path}`, {
			method: 'POST',
			agent,
			headers: { cookie, origin: to, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) }
		}, (res) => {
			res.on('data', () => {});
			res.on('end', () => resolve(res.statusCode ?? 0));
			res.on('error', reject);
		});
		req.on('error', reject);
		req.end(body);
	});
const viaFetch = async (to: string, path: string, body: string) => {
	const r = await fetch(`${to}${path}`, {
		method: 'POST',
		redirect: 'manual',
		headers: { cookie, origin: to, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
		body
	});
	await r.text();
	return r.status;
};
// Saves are numbered across the warm-up and every round (each load() numbers its own from 0): the
// k-th save goes to patient k mod N, dated by its round k div N.
let appSaves = 0;
let directSaves = 0;
const appOne = async (i: number) => {
	const k = appSaves++;
	const to = bases[i % bases.length]!;
	const status = await (CLIENT === 'fetch' ? viaFetch : post)(to, `/patients/${patientIds[k % patientIds.length]}/visits/new`, bodyFor(k));
	if (status !== 303 && i < 1) log(`save answered ${status}`);
	return status === 303;
};
const scores = {
	fss9: scoreResponse('fss9', fss),
	pain_nrs: scoreResponse('pain_nrs', { pain: 5 }),
	who5: scoreResponse('who5', who)
};
const directOne = async () => {
	const i = directSaves++;
	await pg.begin(async (tx) => {
		const [v] = await tx`insert into visits (patient_id, visit_date, kind, acupuncture_sessions, flare, created_by) values (${directIds[i % directIds.length]!}, ${dateOfRound(Math.floor(i / directIds.length))}, 'treatment', 1, 'no', ${clinician}) returning id`;
		for (const [instrument, answers] of [['fss9', fss], ['pain_nrs', { pain: 5 }], ['who5', who]] as const) {
			const [r] = await tx`insert into responses (visit_id, instrument_id, instrument_version, scoring_version, answers, entered_by) values (${v!.id}, ${instrument}, 'bench', 'bench', ${tx.json(answers)}, ${clinician}) returning id`;
			const s = scores[instrument];
			if (!s.ok) throw new Error('score');
			for (const [scale, value] of Object.entries(s.scores)) await tx`insert into response_scores (response_id, instrument_id, scale, value) values (${r!.id}, ${instrument}, ${scale}, ${value})`;
		}
	});
	return true;
};
// The machine's speed drifts (runs of the same code differ by 20 % and more): the app and the
// direct inserts take turns, ROUNDS times, SECONDS in all each; the ratio is of the totals, and
// each round's is kept.
// First a checkpoint (the seed's or the database copy's pending writes would otherwise be flushed
// during the first rounds) and a warm-up of both sides, not counted (JIT, caches, connections).
await pg`checkpoint`.catch((err) => log(`checkpoint refused (${(err as Error).message}); measuring without`));
await load(side(), CONCURRENCY, WARMUP, appOne);
await load(side(), CONCURRENCY, WARMUP, directOne);
const viaAppSide = side();
const directSide = side();
for (let r = 0; r < ROUNDS; r++) {
	log(`Round ${r + 1} of ${ROUNDS}: saves through the app, then the same inserts directly with postgres.js (concurrency ${CONCURRENCY}, ${round(SECONDS / ROUNDS, 1)} s each)…`);
	await load(viaAppSide, CONCURRENCY, SECONDS / ROUNDS, appOne);
	await load(directSide, CONCURRENCY, SECONDS / ROUNDS, directOne);
}
agent.destroy();
const viaApp = summary(viaAppSide);
const direct = summary(directSide);
// The direct inserts bypassed the app (no audit, no rollup): remove them so the data stays the app's.
await pg`delete from response_scores where response_id in (select id from responses where instrument_version = 'bench')`;
await pg`with gone as (delete from responses where instrument_version = 'bench' returning visit_id) delete from visits where id in (select visit_id from gone)`;
const [{ visits: visitsAfter, audits: auditsAfter }] = (await executeRows(db, sql`select (select count(*) from visits)::int as visits, (select count(*) from audit_log)::int as audits`)) as [{ visits: number; audits: number }];
// Each app save writes 1 visit + 3 responses, each with its audit row.
results.writes = {
	app: { processes: APP_PROCESSES, client: CLIENT, ...viaApp, visitsStored: visitsAfter - visitsBefore, auditRows: auditsAfter - auditsBefore, auditRowsPerVisit: round((auditsAfter - auditsBefore) / Math.max(1, visitsAfter - visitsBefore), 2) },
	direct,
	ratio: round(viaApp.perSecond / direct.perSecond, 2),
	ratiosPerRound: viaApp.perRound.map((a, i) => round(a / direct.perRound[i]!, 2))
};

}
// ---- page loads ----------------------------------------------------------------------------
if (ONLY.has('pages')) {
log('Page loads…');
const [busy] = await executeRows(db, sql`select patient_id from visits group by patient_id order by count(*) desc limit 1`);
const page = async (p: string, as = cookie) => {
	const r = await fetch(`${base}${p}`, { headers: { cookie: as } });
	if (r.status !== 200) throw new Error(`${p} ${r.status}`);
	await r.text();
};
// The due list needs schedules: every condition gets the README's example (baseline, weeks 4, 8
// and 12, then every 12 weeks, ± 1 week) unless it has one. The seed's patients enrolled in
// 2023–24, so thousands have a time point open today.
for (const c of await executeRows(db, sql`select code from conditions`)) {
	const code = String(c.code);
	if (await currentSchedule(db, code)) continue;
	const saved = await saveSchedule(db, { id: clinician }, code, 0, {
		windowWeeks: 1,
		repeatEveryWeeks: 12,
		points: [{ week: 0, instruments: ['fss9', 'who5'] }, { week: 4, instruments: ['fss9'] }, { week: 8, instruments: ['fss9'] }, { week: 12, instruments: ['fss9', 'who5', 'pain_nrs'] }]
	});
	if (!saved.ok) log(`schedule for ${code} refused: ${saved.message}`);
}
results.pages = {
	// The dashboard a clinician opens first: headlines for every condition from the rollup.
	homePage: await timeRuns(() => page('/')),
	patientPage: await timeRuns(() => page(`/patients/${busy!.patient_id}`)),
	cohortPage: await timeRuns(() => page('/cohort?instrument=fss9&scale=mean')),
	// Every stored definition version with the number of responses it scored.
	instrumentsPage: await timeRuns(() => page('/admin/instruments', adminCookie)),
	// Who is due today and in the coming week, over every patient (the first 100 rows shown).
	duePage: await timeRuns(() => page('/due')),
	// Per condition and time point, the share of patients who answered each instrument in its window.
	completionPage: await timeRuns(() => page('/completion')),
	// Pages of issues 19–21: the plans list, and the admin's schedules, published effects and
	// adverse-event categories.
	reportsPage: await timeRuns(() => page('/reports')),
	adminSchedulesPage: await timeRuns(() => page('/admin/schedules', adminCookie)),
	adminReferenceEffectsPage: await timeRuns(() => page('/admin/reference-effects', adminCookie)),
	adminAeCategoriesPage: await timeRuns(() => page('/admin/ae-categories', adminCookie)),
	// The export's second file: every adverse event and flare episode of the patients with FSS-9
	// answers, pseudonymised and k-checked as the main export (API token, researcher).
	eventsCsv: await timeRuns(async () => {
		const r = await fetch(`${base}/api/export-events.csv?instruments=fss9&pseudonyms=stable&k=5`, { headers: { authorization: `Bearer ${apiToken}` } });
		if (r.status !== 200) throw new Error(`/api/export-events.csv ${r.status}`);
		await r.text();
	}, 3),
	// The plan API: POST /api/plans validates a plan and stores it as a draft with its audit row.
	planCreate: await timeRuns(async () => {
		const r = await fetch(`${base}/api/plans`, { method: 'POST', headers: { authorization: `Bearer ${apiToken}`, 'content-type': 'application/json' }, body: JSON.stringify(BENCH_PLAN) });
		if (r.status !== 201 && r.status !== 200) throw new Error(`POST /api/plans ${r.status}`);
		await r.text();
	})
};
}

await pg.end();
await database.close();
servers.forEach((s) => s.kill('SIGTERM'));

// ---- report --------------------------------------------------------------------------------
fs.writeFileSync(values.json!, JSON.stringify(results, null, 2) + '\n');
const e = results.export as undefined | { rows: number; rowsPerSecond: number; serverPeakRssMb: number; copy: { rowsPerSecond: number }; ratioToCopy: number; ratiosPerRun: number[]; firstByteMs: number };
const w = results.writes as undefined | { ratiosPerRound: number[]; app: { perSecond: number; p50Ms: number; p99Ms: number; errors: number; visitsStored: number; auditRowsPerVisit: number }; direct: { perSecond: number; p50Ms: number; p99Ms: number }; ratio: number };
const rep = results.report as undefined | Awaited<ReturnType<typeof benchReport>>;
const saf = results.safety as undefined | Awaited<ReturnType<typeof benchSafety>>;
const pages = results.pages as undefined | { homePage: { medianMs: number }; patientPage: { medianMs: number }; cohortPage: { medianMs: number }; instrumentsPage: { medianMs: number }; duePage: { medianMs: number; minMs: number; maxMs: number }; completionPage: { medianMs: number; minMs: number; maxMs: number } } & Record<'reportsPage' | 'adminSchedulesPage' | 'adminReferenceEffectsPage' | 'adminAeCategoriesPage' | 'eventsCsv' | 'planCreate', { medianMs: number; minMs: number; maxMs: number }>;
const lines2 = [
	`Outcome Tracker benchmark — ${N} patients (${JSON.stringify(counts)})`,
	'',
	'| measure | app | reference | ratio |',
	'|---|---|---|---|',
	...cohort.map((c) => `| cohort: ${c.chart} | function ${c.appFunction.medianMs} ms (${c.appFunction.minMs}–${c.appFunction.maxMs}); HTTP ${c.httpEndpoint.medianMs} ms (${c.httpEndpoint.minMs}–${c.httpEndpoint.maxMs}) | plain SQL ${c.plainSql.medianMs} ms (${c.plainSql.minMs}–${c.plainSql.maxMs}) | ${c.speedup}× (HTTP ${c.speedupHttp}×), numbers ${c.identicalNumbers ? 'identical' : 'DIFFER'} |`),
	...(rep ? [`| evidence report: ${rep.plan} | function ${rep.appFunction.medianMs} ms (${rep.appFunction.minMs}–${rep.appFunction.maxMs})${rep.appFunctionComputed ? ` from the kept panel, ${rep.appFunctionComputed.medianMs} ms computed; lock ${rep.lockMs} ms` : ''}; HTTP ${rep.httpEndpoint ? `${rep.httpEndpoint.medianMs} ms (${rep.httpEndpoint.minMs}–${rep.httpEndpoint.maxMs}), numbers ${rep.httpIdenticalNumbers ? 'identical' : 'DIFFER'}` : `not measured (${rep.httpNote})`} | plain SQL ${rep.plainSql.medianMs} ms (${rep.plainSql.minMs}–${rep.plainSql.maxMs}) | ${rep.speedup}×, numbers ${rep.identicalNumbers ? 'identical' : 'DIFFER'} |`] : []),
	...(saf
		? [
				`| safety: GET /api/safety, ${saf.query} | function ${saf.appFunction.medianMs} ms (${saf.appFunction.minMs}–${saf.appFunction.maxMs}); HTTP ${saf.httpEndpoint.medianMs} ms (${saf.httpEndpoint.minMs}–${saf.httpEndpoint.maxMs}) | plain SQL ${saf.plainSql.medianMs} ms (${saf.plainSql.minMs}–${saf.plainSql.maxMs}) | target < 100 ms over HTTP; numbers ${saf.identicalNumbers ? 'identical' : 'DIFFER'} (HTTP ${saf.httpIdenticalNumbers ? 'identical' : 'DIFFER'}) |`,
				`| safety page (/safety) | its queries ${saf.pageQueries.medianMs} ms (${saf.pageQueries.minMs}–${saf.pageQueries.maxMs}); HTTP ${saf.httpPage.medianMs} ms (${saf.httpPage.minMs}–${saf.httpPage.maxMs}) | | |`
			]
		: []),
	...(e ? [`| export | ${e.rows} rows, ${e.rowsPerSecond} rows/s, first byte ${e.firstByteMs} ms, server peak RSS ${e.serverPeakRssMb} MB | COPY ${e.copy.rowsPerSecond} rows/s | ${e.ratioToCopy}× (runs: ${e.ratiosPerRun.join(', ')}) |`] : []),
	...(w ? [`| visit save, 3 instruments, c = ${CONCURRENCY} | ${w.app.perSecond}/s, p50 ${w.app.p50Ms} ms, p99 ${w.app.p99Ms} ms, ${w.app.errors} errors, ${w.app.auditRowsPerVisit} audit rows per visit | direct ${w.direct.perSecond}/s, p50 ${w.direct.p50Ms} ms, p99 ${w.direct.p99Ms} ms | ${w.ratio}× (rounds: ${w.ratiosPerRound.join(", ")}) |`] : []),
	...(pages ? [`| home page (dashboard) | ${pages.homePage.medianMs} ms | | |`, `| patient page | ${pages.patientPage.medianMs} ms | | |`, `| cohort page | ${pages.cohortPage.medianMs} ms | | |`, `| admin instruments page | ${pages.instrumentsPage.medianMs} ms | | |`, `| due list (/due) | ${pages.duePage.medianMs} ms (${pages.duePage.minMs}–${pages.duePage.maxMs}) | target 150 ms | |`, `| completeness (/completion) | ${pages.completionPage.medianMs} ms (${pages.completionPage.minMs}–${pages.completionPage.maxMs}) | | |`, ...([['plans list (/reports)', pages.reportsPage], ['admin schedules', pages.adminSchedulesPage], ['admin published effects', pages.adminReferenceEffectsPage], ['admin adverse-event categories', pages.adminAeCategoriesPage], ['events export (/api/export-events.csv, FSS-9 patients)', pages.eventsCsv], ['plan API (POST /api/plans, a draft)', pages.planCreate]] as const).map(([name, t]) => `| ${name} | ${t.medianMs} ms (${t.minMs}–${t.maxMs}) | | |`)] : [])
];
console.log(lines2.join('\n'));
