/**
 * `npm run test:reliability [-- --only restart,load] [--json FILE] [--no-build]`
 *
 * Runs each fault against the built app (`node build`, as `npm start` serves it) and a real
 * PostgreSQL (RELIABILITY_PG_URL, default postgres://postgres@127.0.0.1:5432/postgres; every
 * scenario makes its own database outcome_tracker_rel_*), plus PGlite for the data-folder backup.
 * The restart scenario stops and starts the PostgreSQL cluster for ~3 s (root or password-less
 * sudo; RELIABILITY_PG_CLUSTER="15 main"). Prints PASS/FAIL per scenario with its counts, a table,
 * writes JSON (default .test-data/reliability.json) and exits 1 if any check failed.
 * Results and method: docs/reliability.md.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Report, root, round, type Scenario, type ScenarioResult } from './harness';
import { ensurePgUp, pgIsReady } from './pg';
import { restart } from './restart';
import { twoProcesses } from './two-processes';
import { conflicts } from './conflicts';
import { shutdown } from './shutdown';
import { load } from './load';
import { backup } from './backup';
import { replica } from './replica';

const SCENARIOS: Scenario[] = [restart, twoProcesses, conflicts, shutdown, load, backup, replica];

const { values } = parseArgs({
	options: {
		only: { type: 'string' },
		json: { type: 'string', default: path.join(root, '.test-data', 'reliability.json') },
		'no-build': { type: 'boolean', default: false }
	}
});
const wanted = values.only ? values.only.split(',').map((s) => s.trim()) : SCENARIOS.map((s) => s.name);
const unknown = wanted.filter((w) => !SCENARIOS.some((s) => s.name === w));
if (unknown.length) {
	console.error(`Unknown scenario(s): ${unknown.join(', ')}. Known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
	process.exit(2);
}

const started = performance.now();
if (!pgIsReady() && !(await ensurePgUp())) {
	console.error('PostgreSQL is not reachable (RELIABILITY_PG_URL).');
	process.exit(1);
}
prepareBuild();

const results: ScenarioResult[] = [];
for (const scenario of SCENARIOS.filter((s) => wanted.includes(s.name))) {
	console.log(`\n▶ ${scenario.name}: ${scenario.title}`);
	const report = new Report();
	const t = performance.now();
	try {
		await scenario.run(report);
	} catch (err) {
		report.check('scenario ran to the end', false, err instanceof Error ? (err.stack ?? err.message) : String(err));
	}
	// Whatever the scenario did, PostgreSQL is up for the next one (and for everyone else).
	if (!pgIsReady()) report.check('PostgreSQL up after the scenario', await ensurePgUp(), '');
	const result: ScenarioResult = {
		name: scenario.name,
		title: scenario.title,
		ok: report.checks.length > 0 && report.checks.every((c) => c.ok),
		seconds: round((performance.now() - t) / 1000),
		counts: report.counts,
		checks: report.checks,
		notes: report.notes
	};
	results.push(result);
	const failed = result.checks.filter((c) => !c.ok).length;
	console.log(
		`${result.ok ? 'PASS' : 'FAIL'} ${scenario.name} (${result.seconds} s; ${result.checks.length - failed}/${result.checks.length} checks) ${Object.entries(result.counts)
			.map(([k, v]) => `${k}=${v}`)
			.join(' ')}`
	);
}

const totalSeconds = round((performance.now() - started) / 1000);
console.log('\n| scenario | result | checks | seconds | counts |\n|---|---|---|---|---|');
for (const r of results) {
	const failed = r.checks.filter((c) => !c.ok);
	const counts = Object.entries(r.counts)
		.filter(([, v]) => typeof v !== 'string' || v.length < 80)
		.map(([k, v]) => `${k} ${v}`)
		.join(', ');
	console.log(`| ${r.name} | ${r.ok ? 'PASS' : 'FAIL'} | ${r.checks.length - failed.length}/${r.checks.length} | ${r.seconds} | ${counts} |`);
}
for (const r of results) for (const c of r.checks.filter((x) => !x.ok)) console.log(`FAIL ${r.name}: ${c.name} — ${c.detail.split('\n')[0]}`);
const passed = results.filter((r) => r.ok).length;
console.log(`\n${passed} passed, ${results.length - passed} failed (${totalSeconds} s)`);

fs.mkdirSync(path.dirname(path.resolve(values.json!)), { recursive: true });
fs.writeFileSync(values.json!, JSON.stringify({ date: new Date().toISOString(), node: process.version, totalSeconds, results }, null, 2) + '\n');
process.exit(passed === results.length ? 0 : 1);

/**
 * Builds when build/ is missing or older than the sources (unless --no-build or
 * RELIABILITY_BUILD_DIR), then serves from a private copy under .test-data so that a rebuild by
 * someone else during the run cannot swap the files under a running server.
 */
function prepareBuild() {
	if (process.env.RELIABILITY_BUILD_DIR) return;
	const build = path.join(root, 'build');
	const entry = path.join(build, 'index.js');
	const inputs = ['src', 'static', 'svelte.config.js', 'vite.config.ts', 'package-lock.json'];
	const newest = (p: string): number => {
		if (!fs.existsSync(p)) return 0;
		const st = fs.statSync(p);
		return st.isDirectory() ? Math.max(st.mtimeMs, ...fs.readdirSync(p).map((e) => newest(path.join(p, e)))) : st.mtimeMs;
	};
	const stale = !fs.existsSync(entry) || Math.max(...inputs.map((p) => newest(path.join(root, p)))) > fs.statSync(entry).mtimeMs;
	if (stale && !values['no-build']) {
		console.log('Building the app (build/ is missing or older than the sources)…');
		const r = spawnSync(process.execPath, [path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
		if (r.status !== 0) {
			console.error('Build failed.');
			process.exit(1);
		}
	}
	if (!fs.existsSync(entry)) {
		console.error('No build/ to test (run without --no-build).');
		process.exit(1);
	}
	const copy = path.join(root, '.test-data', 'reliability', 'build');
	fs.rmSync(copy, { recursive: true, force: true });
	fs.cpSync(build, copy, { recursive: true });
	process.env.RELIABILITY_BUILD_DIR = copy;
}
