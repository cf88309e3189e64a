/**
 * Keys kept outside the database (the export's pseudonym key, the audit chain's key, the key that
 * encrypts TOTP keys): each comes from its environment variable or, outside production, from a
 * random value generated once into a file in DATA_DIR. In production (NODE_ENV=production) the app
 * refuses to start without the variable, so each key is managed on purpose and a database dump
 * alone never holds it.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Settings } from './config';

export interface SecretSource {
	/** The environment variable, e.g. EXPORT_SECRET. */
	env: string;
	/** The file in DATA_DIR generated when the variable is unset outside production. */
	file: string;
}

export const MIN_SECRET_LENGTH = 32;

export function loadSecret(s: Settings, source: SecretSource): string {
	const fromEnv = process.env[source.env];
	if (fromEnv) {
		if (fromEnv.length < MIN_SECRET_LENGTH) throw new Error(`${source.env} must be at least ${MIN_SECRET_LENGTH} characters`);
		return fromEnv;
	}
	if (process.env.NODE_ENV === 'production') {
		throw new Error(`${source.env} is not set: in production it is required (at least ${MIN_SECRET_LENGTH} random characters, kept outside the database)`);
	}
	const file = path.join(s.dataDir, source.file);
	if (!fs.existsSync(file)) createOnce(file);
	return fs.readFileSync(file, 'utf8').trim();
}

/**
 * Writes a new random key to `file` unless another process (a test worker, a script) got there
 * first: written whole to a temporary name and linked into place, so nobody reads half a key.
 */
function createOnce(file: string): void {
	fs.mkdirSync(path.dirname(file), { recursive: true });
	const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
	fs.writeFileSync(temporary, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
	try {
		fs.linkSync(temporary, file);
	} catch (err) {
		if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
	} finally {
		fs.rmSync(temporary, { force: true });
	}
}
