/**
 * Where the evidence report's time goes (issue 20): `npx tsx scripts/report-profile.ts` with
 * PROFILE_DATABASE_URL (or BENCH_DATABASE_URL) a seeded PostgreSQL database. For the benchmark's
 * plan (report-bench-part.ts): the panel statement's EXPLAIN (ANALYZE, BUFFERS) (with `--explain`),
 * then, over warm runs, the statement alone in the database (`explain analyze` execution time),
 * the statement with its rows fetched and parsed by postgres.js, `readPanel` (its transaction and
 * the row conversion), `readKeptPanel` (the panel kept for a locked version of the plan, when a
 * benchmark run has locked one), `assembleReport`, and `JSON.stringify` of the result. Medians of `--runs`,
 * in wall time and in CPU time (the database backend's, from /proc, for the statement; this
 * process's for the rest): on a machine shared with other work the CPU time is the steadier figure.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { executeRows, openDatabase } from '../src/lib/server/db';
import * as current from '../src/lib/server/reports/panel';
import { outcomeInfo } from '../src/lib/server/reports/compute';
import { assembleReport } from '../src/lib/reports/assemble';
import { BENCH_PLAN } from './report-bench-part';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' }, explain: { type: 'boolean', default: false }, panel: { type: 'string' } } });
const RUNS = Number(values.runs);
const url = process.env.PROFILE_DATABASE_URL ?? process.env.BENCH_DATABASE_URL;
if (!url) throw new Error('PROFILE_DATABASE_URL (or BENCH_DATABASE_URL) is needed');
const database = await openDatabase({ url, max: 2, migrate: false });
const db = database.db;
const plan = BENCH_PLAN;
const asOf = new Date().toISOString().slice(0, 10);
const meta = { id: '00000000-0000-4000-8000-0000000000b0', version: 1, sha256: '0'.repeat(64), locked_at: new Date().toISOString() };
const outcomes = current.planOutcomes(plan).map((o, i) => outcomeInfo(o, i === 0 ? plan.responder_threshold : undefined));

const median = (xs: number[]) => {
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.floor(s.length / 2)]!;
};
/** CPU ms (user + system) of a process, from /proc (Linux). */
function cpuOf(pid: number): number {
	const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
	return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
}
const own = () => {
	const u = process.cpuUsage();
	return (u.user + u.system) / 1000;
};
async function time(label: string, f: () => Promise<unknown> | unknown, cpu: () => number = own) {
	await f();
	const ms: number[] = [];
	const cpuMs: number[] = [];
	for (let i = 0; i < RUNS; i++) {
		const c = cpu();
		const t = performance.now();
		await f();
		ms.push(performance.now() - t);
		cpuMs.push(cpu() - c);
	}
	console.log(`${label.padEnd(44)} wall median ${median(ms).toFixed(0)} ms (${Math.min(...ms).toFixed(0)}–${Math.max(...ms).toFixed(0)}), CPU median ${median(cpuMs).toFixed(0)} ms`);
}

// --panel FILE: another version of panel.ts (e.g. a copy of main's, to compare), for the statement and readPanel.
const { panelSql, readPanel, planOutcomes } = (values.panel ? await import(path.resolve(values.panel)) : current) as typeof current;
const statement = panelSql(plan, asOf);
const q = new PgDialect().sqlToQuery(statement);
// The statement on one dedicated connection, so that its backend's CPU time can be read.
const pg = postgres(url, { max: 1 });
await pg`set work_mem = '64MB'`;
const [{ pid }] = (await pg`select pg_backend_pid() as pid`) as unknown as [{ pid: number }];
const backend = () => cpuOf(pid);
if (values.explain) {
	const rows = await pg.unsafe(`explain (analyze, buffers) ${q.sql}`, q.params as never[]);
	console.log(rows.map((r) => r['QUERY PLAN']).join('\n'));
}
console.log(`load: ${(await import('node:os')).loadavg().map((x) => x.toFixed(2)).join(' ')}`);
await time('SQL in the database (explain analyze)', () => pg.unsafe(`explain (analyze, timing off) ${q.sql}`, q.params as never[]), backend);
await time('SQL + fetch + parse: backend', () => pg.unsafe(q.sql, q.params as never[]), backend);
await time('SQL + fetch + parse: this process', () => pg.unsafe(q.sql, q.params as never[]));
await pg.end();
await time('readPanel (computed)', () => readPanel(db, plan, asOf));
// The benchmark's plan locked by a benchmark run: its kept panel (migration 0039).
const [keptVersion] = await executeRows(
	db,
	sql`select s.version_id::text as id from report_panels s join analysis_plan_versions v on v.id = s.version_id where v.body ->> 'title' = ${plan.title} order by v.locked_at desc limit 1`
);
if (keptVersion) await time('readKeptPanel (kept)', () => current.readKeptPanel(db, String(keptVersion.id), plan, asOf));
else console.log('no kept version of the benchmark plan: run the benchmark once to lock one');
const rows = keptVersion ? (await current.readKeptPanel(db, String(keptVersion.id), plan, asOf))! : await readPanel(db, plan, asOf);
console.log(Array.isArray(rows) ? `rows: ${rows.length}` : `patients: ${rows.n} × ${rows.outcomes} outcomes`);
let report: ReturnType<typeof assembleReport> | null = null;
await time('assembleReport', () => {
	// As the benchmark asks: a researcher, so the cross-query rules run (no period, no minimum).
	report = assembleReport(plan, meta, outcomes, rows, 5, asOf, { edges: [] });
});
await time('JSON.stringify (the whole report)', () => JSON.stringify(report));
console.log(`JSON bytes: ${JSON.stringify(report).length}`);
await database.close();
