/**
 * What every reliability scenario shares: where things are, how results are recorded, and the
 * clean-up that runs on any way out (servers and commands killed, PostgreSQL started again).
 * The rest lives beside it: pg.ts (databases and the cluster), server.ts (the built app and npm
 * commands), http.ts (requests that keep their error codes), fixtures.ts (data made with the
 * app's own domain code), visits.ts (the save every scenario drives and its checks).
 */
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';

export const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
export const PASSWORD = 'reliability passphrase, long enough';
/** Built app: `build/` of this checkout unless RELIABILITY_BUILD_DIR points at another build. */
export const buildDir = () => path.resolve(process.env.RELIABILITY_BUILD_DIR ?? path.join(root, 'build'));

export const log = (s: string) => process.stderr.write(`  ${s}\n`);
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
export const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
export function tally<T>(xs: T[], key: (x: T) => string): Record<string, number> {
	const out: Record<string, number> = {};
	for (const x of xs) out[key(x)] = (out[key(x)] ?? 0) + 1;
	return out;
}
/** The plain message the app gives while its database is down (src/lib/server/errors.ts). */
export const saysDatabaseUnavailable = (body: string) => /database is unavailable/i.test(body);

// ---- checks and results ----------------------------------------------------------------------

export interface Check {
	name: string;
	ok: boolean;
	detail: string;
}
export interface ScenarioResult {
	name: string;
	title: string;
	ok: boolean;
	seconds: number;
	counts: Record<string, number | string | boolean | null>;
	checks: Check[];
	notes: string[];
}

/** Collects one scenario's checks, counts and notes; a scenario passes when every check does. */
export class Report {
	checks: Check[] = [];
	counts: Record<string, number | string | boolean | null> = {};
	notes: string[] = [];
	check(name: string, ok: boolean, detail = ''): boolean {
		this.checks.push({ name, ok, detail });
		log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` — ${detail}` : ''}`);
		return ok;
	}
	note(s: string) {
		this.notes.push(s);
		log(`note: ${s}`);
	}
}

/** One scenario: `run` records checks and counts in the report and stops what it started. */
export interface Scenario {
	name: string;
	title: string;
	run(report: Report): Promise<void>;
}

// ---- clean-up on any exit -------------------------------------------------------------------

export const children = new Set<ChildProcess>();
// npm runs a shell that runs tsx that runs node: those are killed as a process group.
export const groups = new Set<number>();
const exitHooks: (() => void)[] = [];
/** Runs on every way out (normal end, error, Ctrl-C): synchronous work only. */
export function onExit(f: () => void) {
	exitHooks.push(f);
}
function cleanUp() {
	for (const child of children) {
		try {
			child.kill('SIGKILL');
		} catch {
			/* already gone */
		}
	}
	children.clear();
	for (const pid of groups) {
		try {
			process.kill(-pid, 'SIGKILL');
		} catch {
			/* already gone */
		}
	}
	groups.clear();
	for (const f of exitHooks.splice(0)) {
		try {
			f();
		} catch {
			/* best effort */
		}
	}
}
process.on('exit', cleanUp);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
	process.on(signal, () => {
		cleanUp();
		process.exit(130);
	});
}
