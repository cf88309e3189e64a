#!/usr/bin/env node
// `npm run user -- …`: account tasks for scripted set-ups. Runs the TypeScript CLI with tsx.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { createRequire } from 'node:module';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const require = createRequire(import.meta.url);
const tsx = require.resolve('tsx/cli');
const result = spawnSync(process.execPath, [tsx, path.join(root, 'scripts', 'user-cli.ts'), ...process.argv.slice(2)], {
	stdio: 'inherit'
});
process.exit(result.status ?? 1);
