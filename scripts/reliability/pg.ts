/**
 * PostgreSQL for the scenarios: a fresh database each (outcome_tracker_rel_*), and the cluster
 * itself stopped and started for the restart scenario, always started again on the way out.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import postgres from 'postgres';
import { onExit, sleep } from './harness';

/** The PostgreSQL server the scenarios use; each makes its own database there. */
export const PG_ADMIN_URL = process.env.RELIABILITY_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function databaseUrl(name: string): string {
	const url = new URL(PG_ADMIN_URL);
	url.pathname = `/${name}`;
	return url.toString();
}

/** Drops (forcing its connections off) and re-creates a database; returns its URL. */
export async function freshDatabase(name: string): Promise<string> {
	if (!/^outcome_tracker_rel[a-z0-9_]*$/.test(name)) throw new Error(`not a reliability database: ${name}`);
	const admin = postgres(PG_ADMIN_URL, { max: 1, onnotice: () => {} });
	try {
		await admin.unsafe(`drop database if exists "${name}" with (force)`);
		await admin.unsafe(`create database "${name}"`);
	} finally {
		await admin.end();
	}
	return databaseUrl(name);
}

export async function dropDatabase(name: string): Promise<void> {
	if (!/^outcome_tracker_rel[a-z0-9_]*$/.test(name)) throw new Error(`not a reliability database: ${name}`);
	const admin = postgres(PG_ADMIN_URL, { max: 1, onnotice: () => {} });
	try {
		await admin.unsafe(`drop database if exists "${name}" with (force)`);
	} finally {
		await admin.end();
	}
}

/** Sessions still open on a database (a scenario must leave none behind). */
export async function connectionsTo(name: string): Promise<number> {
	const admin = postgres(PG_ADMIN_URL, { max: 1, onnotice: () => {} });
	try {
		const [row] = await admin`select count(*)::int as n from pg_stat_activity where datname = ${name} and pid <> pg_backend_pid()`;
		return row!.n as number;
	} finally {
		await admin.end();
	}
}

const pgHost = () => new URL(PG_ADMIN_URL).hostname;
const pgPort = () => new URL(PG_ADMIN_URL).port || '5432';
/** `pg_ctlcluster <version> <name>`; RELIABILITY_PG_CLUSTER="15 main" overrides. */
function cluster(): [string, string] {
	const configured = process.env.RELIABILITY_PG_CLUSTER?.split(/\s+/);
	if (configured?.length === 2) return configured as [string, string];
	const versions = fs.existsSync('/etc/postgresql') ? fs.readdirSync('/etc/postgresql').sort() : [];
	if (versions.length === 0) throw new Error('No PostgreSQL cluster found in /etc/postgresql (set RELIABILITY_PG_CLUSTER)');
	return [versions[0]!, 'main'];
}

function pgCtlCommand(action: 'stop' | 'start'): [string, string[]] {
	const [version, name] = cluster();
	const asRoot = process.getuid?.() === 0;
	return asRoot ? ['pg_ctlcluster', ['--skip-systemctl-redirect', version, name, action]] : ['sudo', ['-n', 'pg_ctlcluster', '--skip-systemctl-redirect', version, name, action]];
}

/**
 * Stops or starts the PostgreSQL cluster (root, or sudo without a password). Asynchronous: the
 * scenario's clients keep running meanwhile.
 */
export function pgCtl(action: 'stop' | 'start'): Promise<{ ok: boolean; ms: number; output: string }> {
	const [cmd, args] = pgCtlCommand(action);
	const t = performance.now();
	return new Promise((resolve) => {
		const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
		let output = '';
		child.stdout!.on('data', (c: Buffer) => (output += c));
		child.stderr!.on('data', (c: Buffer) => (output += c));
		const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
		child.on('error', (err) => {
			clearTimeout(timer);
			resolve({ ok: false, ms: Math.round(performance.now() - t), output: err.message });
		});
		child.on('exit', (code) => {
			clearTimeout(timer);
			resolve({ ok: code === 0, ms: Math.round(performance.now() - t), output: output.trim() });
		});
	});
}

export function pgIsReady(): boolean {
	return spawnSync('pg_isready', ['-h', pgHost(), '-p', pgPort(), '-q'], { timeout: 10_000 }).status === 0;
}

/** Makes sure PostgreSQL is up again (others share it): started if down, waited for. */
export async function ensurePgUp(timeoutMs = 60_000): Promise<boolean> {
	if (pgIsReady()) return true;
	await pgCtl('start');
	const end = Date.now() + timeoutMs;
	while (Date.now() < end) {
		if (pgIsReady()) return true;
		await sleep(250);
	}
	return false;
}
// Whatever happens, PostgreSQL is not left stopped by us.
onExit(() => {
	if (pgDownByUs && !pgIsReady()) {
		const [cmd, args] = pgCtlCommand('start');
		spawnSync(cmd, args, { stdio: 'ignore', timeout: 60_000 });
	}
});
let pgDownByUs = false;
export function markPgDown(down: boolean) {
	pgDownByUs = down;
}
