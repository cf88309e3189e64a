#!/usr/bin/env node
// `npm start`: builds the app when its sources changed since the last build, then serves it.
// Settings come from the environment; see README "Settings".
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
process.chdir(root);

const stamp = path.join(root, 'build', '.built-at');
const inputs = ['src', 'static', 'server', 'svelte.config.js', 'vite.config.ts', 'package-lock.json', 'tsconfig.json'];

function newestMtime(p) {
	if (!fs.existsSync(p)) return 0;
	const stat = fs.statSync(p);
	if (!stat.isDirectory()) return stat.mtimeMs;
	let newest = stat.mtimeMs;
	for (const entry of fs.readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, entry)));
	return newest;
}

const builtAt = fs.existsSync(stamp) ? fs.statSync(stamp).mtimeMs : 0;
const sourcesAt = Math.max(...inputs.map((p) => newestMtime(path.join(root, p))));
if (!fs.existsSync(path.join(root, 'build', 'index.js')) || sourcesAt > builtAt) {
	console.log('Building the app (sources changed since the last build)…');
	const vite = path.join(root, 'node_modules', 'vite', 'bin', 'vite.js');
	const result = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], { stdio: 'inherit' });
	if (result.status !== 0) process.exit(result.status ?? 1);
	fs.writeFileSync(stamp, new Date().toISOString() + '\n');
}

process.env.PORT ||= '3000';
process.env.HOST ||= '0.0.0.0';
process.env.ORIGIN ||= `http://localhost:${process.env.PORT}`;
if (!process.env.DATABASE_URL) {
	console.log(`Embedded database in ${path.resolve(process.env.DATA_DIR || 'data')} (set DATABASE_URL for PostgreSQL).`);
}
console.log(`Outcome Tracker at ${process.env.ORIGIN}`);
await import(pathToFileURL(path.join(root, 'build', 'index.js')).href);
