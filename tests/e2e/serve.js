// Starts the built server for the end-to-end tests on a fresh database:
//   node tests/e2e/serve.js pglite <port>    – a new embedded data folder
//   node tests/e2e/serve.js postgres <port>  – a new database next to TEST_DATABASE_URL's
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import postgres from 'postgres';
import { e2eDatabaseUrl } from './database-url.js';

const [mode, port] = process.argv.slice(2);
const root = process.cwd();
if (!fs.existsSync(path.join(root, 'build', 'index.js'))) {
	console.error('No build/ found: run `npm run build` first (npm test does).');
	process.exit(1);
}

if (mode === 'pglite') {
	const dir = path.join(root, '.test-data', `e2e-pglite-${port}`);
	fs.rmSync(dir, { recursive: true, force: true });
	process.env.DATA_DIR = dir;
	delete process.env.DATABASE_URL;
} else if (mode === 'postgres') {
	const url = e2eDatabaseUrl();
	const name = new URL(url).pathname.slice(1);
	const admin = postgres(process.env.TEST_DATABASE_URL ?? url, { max: 1, onnotice: () => {} });
	await admin.unsafe(`drop database if exists "${name}" with (force)`);
	await admin.unsafe(`create database "${name}"`);
	await admin.end();
	process.env.DATABASE_URL = url;
	// A value printed anywhere is refused (export/secret.ts): a random one per run.
	process.env.EXPORT_SECRET ||= randomBytes(32).toString('hex');
	// A fresh database: anchors of an earlier run's rows would read as deleted entries.
	process.env.AUDIT_ANCHOR_FILE = path.join(root, '.test-data', `e2e-audit-anchors-${port}.log`);
	fs.rmSync(process.env.AUDIT_ANCHOR_FILE, { force: true });
} else {
	console.error('usage: node tests/e2e/serve.js pglite|postgres <port>');
	process.exit(2);
}

// Every test client is 127.0.0.1: the per-address sign-in limit would make specs trip each other.
process.env.LOGIN_THROTTLE_ADDRESS_MAX ||= '100000';
process.env.SELF_REPORT_LINK_FAILURES_MAX ||= '100000';
// Placeholder item wording of our own (never an instrument's real wording), so that WHO-5 and
// Pain NRS can be offered for self-report.
process.env.INSTRUMENT_WORDING_FILE ||= path.join(root, 'tests', 'e2e', 'self-report-wording.json');
process.env.CLINIC_NAME ||= 'Test Clinic';
process.env.PORT = port;
process.env.HOST = '127.0.0.1';
process.env.ORIGIN = `http://localhost:${port}`;
await import(pathToFileURL(path.join(root, 'build', 'index.js')).href);
