/**
 * The key for stable pseudonyms lives outside the database: EXPORT_SECRET, or a random key created
 * once in DATA_DIR/export-secret. In production (NODE_ENV=production) the app refuses to start
 * without EXPORT_SECRET, so the key is managed on purpose and a database dump cannot re-identify.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Settings } from '../config';

export function loadExportSecret(s: Settings): string {
	const fromEnv = process.env.EXPORT_SECRET;
	if (fromEnv) {
		if (fromEnv.length < 32) throw new Error('EXPORT_SECRET must be at least 32 characters');
		return fromEnv;
	}
	if (process.env.NODE_ENV === 'production') {
		throw new Error('EXPORT_SECRET is not set: in production it is required (at least 32 random characters, kept outside the database)');
	}
	const file = path.join(s.dataDir, 'export-secret');
	if (!fs.existsSync(file)) {
		fs.mkdirSync(s.dataDir, { recursive: true });
		fs.writeFileSync(file, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
	}
	return fs.readFileSync(file, 'utf8').trim();
}

const holder = globalThis as unknown as { __exportSecret?: string };
export function setExportSecret(secret: string) {
	holder.__exportSecret = secret;
}
export function exportSecret(): string {
	if (!holder.__exportSecret) throw new Error('export secret not loaded');
	return holder.__exportSecret;
}
