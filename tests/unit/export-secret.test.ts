import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { settings } from '../../src/lib/server/config';
import { exportSecretProblem, loadExportSecret } from '../../src/lib/server/export/secret';

const saved = { ...process.env };
afterEach(() => {
	process.env = { ...saved };
});

describe('export secret', () => {
	it('is generated once outside the database and reused', () => {
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ot-secret-'));
		delete process.env.EXPORT_SECRET;
		process.env.NODE_ENV = 'test';
		process.env.DATA_DIR = dir;
		const first = loadExportSecret(settings());
		expect(first).toMatch(/^[0-9a-f]{64}$/);
		expect(loadExportSecret(settings())).toBe(first);
		expect(fs.statSync(path.join(dir, 'export-secret')).mode & 0o077).toBe(0);
	});
	it('is required in production, and must be long enough', () => {
		delete process.env.EXPORT_SECRET;
		process.env.NODE_ENV = 'production';
		expect(() => loadExportSecret(settings())).toThrow(/EXPORT_SECRET/);
		process.env.EXPORT_SECRET = 'short';
		expect(() => loadExportSecret(settings())).toThrow(/32/);
		const random = randomBytes(32).toString('hex');
		process.env.EXPORT_SECRET = random;
		expect(loadExportSecret(settings())).toBe(random);
	});
	it('refuses an obviously weak one, saying why, and accepts random ones of every usual kind', () => {
		process.env.NODE_ENV = 'production';
		const weak: [string, RegExp][] = [
			['x'.repeat(40), /one character/],
			['ab'.repeat(20), /different characters/],
			['abcdefghij'.repeat(4), /repeats/],
			['0123456789abcdefghijklmnopqrstuvwxyz', /sequence/],
			['e2e-export-secret-0123456789abcdef0123456789', /example/], // this repository's own test value
			['reliability-export-secret-0123456789abcdef', /example/],
			['bench-secret-bench-secret-bench-secret-0123', /example/],
			['changeme-changeme-please-7f3a9c2e1b8d4f60', /example/],
			['your-export-secret-goes-here-0123456789ab', /example/]
		];
		for (const [secret, why] of weak) {
			process.env.EXPORT_SECRET = secret;
			expect(() => loadExportSecret(settings()), secret).toThrow(why);
			expect(exportSecretProblem(secret), secret).toMatch(/^EXPORT_SECRET /);
		}
		for (let i = 0; i < 200; i++) {
			for (const secret of [randomBytes(32).toString('hex'), randomBytes(32).toString('base64'), randomBytes(24).toString('base64url')]) {
				expect(exportSecretProblem(secret), secret).toBeNull();
			}
		}
		expect(exportSecretProblem('correct horse battery staple, then a long walk home')).toBeNull();
	});
});
