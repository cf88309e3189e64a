/** `npm run instrument -- …`: check, score and list instrument definitions (src/lib/instruments/cli.ts). */
import { readFileSync } from 'node:fs';
import { runCli } from '../src/lib/instruments/cli';

process.exitCode = runCli(process.argv.slice(2), {
	readFile: (path) => readFileSync(path, 'utf8'),
	out: (line) => process.stdout.write(`${line}\n`),
	err: (line) => process.stderr.write(`${line}\n`)
});
