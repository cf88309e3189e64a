#!/usr/bin/env node
// `npm test`: type-check, unit tests, integration tests on PGlite (and on PostgreSQL when
// TEST_DATABASE_URL is set), then a production build and the end-to-end tests in Chromium.
// Ends with one line "N passed, N failed[, N skipped]" over every suite.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
process.chdir(root);
const out = path.join(root, '.test-data', 'reports');
fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });

const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const totals = { passed: 0, failed: 0, skipped: 0 };
let broken = false;

function run(title, command, args, env = {}) {
	console.log(`\n▶ ${title}`);
	const result = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, ...env } });
	if (result.status !== 0) {
		console.log(`✖ ${title} failed (exit ${result.status ?? result.signal})`);
		broken = true;
	}
	return result.status === 0;
}

function countVitest(file) {
	if (!fs.existsSync(file)) return false;
	const report = JSON.parse(fs.readFileSync(file, 'utf8'));
	totals.passed += report.numPassedTests;
	totals.failed += report.numFailedTests;
	totals.skipped += report.numPendingTests + (report.numTodoTests ?? 0);
	return true;
}

function vitest(title, project, report, env) {
	const file = path.join(out, report);
	run(title, bin('vitest'), ['run', '--project', project, '--reporter=default', '--reporter=json', `--outputFile=${file}`], env);
	if (!countVitest(file)) {
		totals.failed++;
		broken = true;
	}
}

// A stage that is not a test suite (type-check, build) counts as one failure when it fails.
if (
	!(
		run('Generate SvelteKit types', bin('svelte-kit'), ['sync']) &&
		run('Type-check (svelte-check)', bin('svelte-check'), ['--tsconfig', './tsconfig.json', '--fail-on-warnings'])
	)
) {
	totals.failed++;
}

vitest('Unit tests', 'unit', 'unit.json');
vitest('Integration tests on PGlite', 'integration', 'integration-pglite.json', { TEST_DRIVER: 'pglite' });
if (process.env.TEST_DATABASE_URL) {
	vitest('Integration tests on PostgreSQL', 'integration', 'integration-postgres.json', { TEST_DRIVER: 'postgres' });
} else {
	console.log('\n(TEST_DATABASE_URL is not set: integration and end-to-end tests on PostgreSQL are left out.)');
}

if (!run('Production build', bin('vite'), ['build', '--logLevel', 'warn'])) {
	totals.failed++;
} else {
	const file = path.join(out, 'e2e.json');
	run('End-to-end tests (Playwright, Chromium)', bin('playwright'), ['test'], { PLAYWRIGHT_JSON_OUTPUT_NAME: file });
	if (fs.existsSync(file)) {
		const { stats } = JSON.parse(fs.readFileSync(file, 'utf8'));
		totals.passed += stats.expected + stats.flaky;
		totals.failed += stats.unexpected;
		totals.skipped += stats.skipped;
	} else {
		totals.failed++;
		broken = true;
	}
}

const skipped = totals.skipped ? `, ${totals.skipped} skipped` : '';
console.log(`\n${totals.passed} passed, ${totals.failed} failed${skipped}`);
process.exit(broken || totals.failed > 0 ? 1 : 0);
