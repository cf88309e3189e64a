/**
 * The built app started as `npm start` runs it (its node flags, production mode, a port of its
 * own from 4300 up), its output kept in .test-data/reliability/logs; and npm commands run as a
 * user runs them. Everything started here is killed if the run ends early.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { buildDir, children, groups, root, sleep } from './harness';
import { request } from './http';

// One random key for every server this run starts (a value printed anywhere is refused).
const EXPORT_SECRET = randomBytes(32).toString('hex');
/** The servers' audit key, and this process's (it writes and verifies audit rows in the same databases). */
const RELIABILITY_AUDIT_SECRET = 'reliability-audit-secret-0123456789abcdef';
process.env.AUDIT_SECRET ??= RELIABILITY_AUDIT_SECRET;

let nextPort = Number(process.env.RELIABILITY_PORT_BASE ?? 4300);
export function portIsFree(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const probe = net.createServer();
		probe.once('error', () => resolve(false));
		probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
	});
}
/** The next free port from 4300 (RELIABILITY_PORT_BASE) up, never above base + 99. */
export async function freePort(): Promise<number> {
	const base = Number(process.env.RELIABILITY_PORT_BASE ?? 4300);
	for (let tries = 0; tries < 100; tries++) {
		const port = nextPort;
		nextPort = nextPort >= base + 99 ? base : nextPort + 1;
		if (await portIsFree(port)) return port;
	}
	throw new Error('no free port in the reliability range');
}

export interface Server {
	name: string;
	base: string;
	pid: number;
	/** Everything the server wrote to stdout and stderr. */
	output(): string;
	alive(): boolean;
	exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
	/** Sends the signal and waits for the exit; SIGKILL after timeoutMs. */
	stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number; killed: boolean }>;
}

/** `node build` as `npm start` runs it, on a port of its own; resolves once /healthz says 200. */
export async function startServer(name: string, env: Record<string, string | undefined>): Promise<Server> {
	const entry = path.join(buildDir(), 'index.js');
	if (!fs.existsSync(entry)) throw new Error(`${entry} is missing: build the app first`);
	const port = await freePort();
	const base = `http://127.0.0.1:${port}`;
	const startFlags = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).scripts.start as string).split(' ').filter((w) => w.startsWith('--'));
	// `env` wins; a key given as undefined is removed (e.g. DATABASE_URL for the embedded database).
	const merged: Record<string, string | undefined> = {
		...process.env,
		PORT: String(port),
		HOST: '127.0.0.1',
		ORIGIN: base,
		NODE_ENV: 'production',
		MIGRATIONS_DIR: path.join(root, 'drizzle'),
		EXPORT_SECRET: EXPORT_SECRET,
		AUDIT_SECRET: RELIABILITY_AUDIT_SECRET,
		MFA_ENCRYPTION_KEY: 'reliability-mfa-encryption-key-0123456789ab',
		// Each server's anchors apart from a developer's ./data (and from other runs' databases).
		AUDIT_ANCHOR_FILE: path.join(root, '.test-data', 'reliability', 'anchors', `${name}-${port}.log`),
		...env
	};
	for (const key of Object.keys(merged)) if (merged[key] === undefined) delete merged[key];
	const child = spawn(process.execPath, [...startFlags, entry], { cwd: root, env: merged as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
	children.add(child);
	let output = '';
	const keep = (chunk: Buffer) => {
		output += chunk.toString('utf8');
		if (output.length > 2_000_000) output = output.slice(-1_000_000);
	};
	child.stdout!.on('data', keep);
	child.stderr!.on('data', keep);
	let exitedWith: { code: number | null; signal: NodeJS.Signals | null } | null = null;
	// Every server's output is kept for reading after the run.
	const logFile = path.join(root, '.test-data', 'reliability', 'logs', `${name}.log`);
	fs.mkdirSync(path.dirname(logFile), { recursive: true });
	const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
		child.once('exit', (code, signal) => {
			exitedWith = { code, signal };
			children.delete(child);
			fs.writeFileSync(logFile, output);
			resolve(exitedWith);
		})
	);
	const server: Server = {
		name,
		base,
		pid: child.pid!,
		output: () => output,
		alive: () => exitedWith === null,
		exited,
		async stop(signal = 'SIGTERM', timeoutMs = 15_000) {
			const t = performance.now();
			if (exitedWith) return { ...exitedWith, ms: 0, killed: false };
			child.kill(signal);
			let killed = false;
			const timer = setTimeout(() => {
				killed = true;
				child.kill('SIGKILL');
			}, timeoutMs);
			const result = await exited;
			clearTimeout(timer);
			return { ...result, ms: Math.round(performance.now() - t), killed };
		}
	};
	const end = Date.now() + 120_000;
	for (;;) {
		if (!server.alive()) throw new Error(`server ${name} exited while starting:\n${output.slice(-3000)}`);
		const r = await request(`${base}/healthz`, { timeoutMs: 2000 });
		if (r.status === 200) break;
		if (Date.now() > end) {
			await server.stop('SIGKILL');
			throw new Error(`server ${name} did not become healthy:\n${output.slice(-3000)}`);
		}
		await sleep(100);
	}
	return server;
}

/**
 * Runs an npm script as a user would (`npm run -s NAME -- ARGS`), with extra environment (a key
 * given as undefined is removed). Asynchronous: the scenario's clients keep running meanwhile.
 */
export function npmRun(name: string, args: string[], env: Record<string, string | undefined>): Promise<{ status: number | null; output: string; ms: number }> {
	const merged: Record<string, string | undefined> = { ...process.env, ...env };
	for (const key of Object.keys(merged)) if (merged[key] === undefined) delete merged[key];
	const t = performance.now();
	return new Promise((resolve) => {
		const child = spawn('npm', ['run', '-s', name, '--', ...args], { cwd: root, env: merged as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
		groups.add(child.pid!);
		let output = '';
		child.stdout!.on('data', (c: Buffer) => (output += c));
		child.stderr!.on('data', (c: Buffer) => (output += c));
		child.on('error', (err) => resolve({ status: null, output: err.message, ms: Math.round(performance.now() - t) }));
		child.on('exit', (status) => {
			groups.delete(child.pid!);
			resolve({ status, output, ms: Math.round(performance.now() - t) });
		});
	});
}
