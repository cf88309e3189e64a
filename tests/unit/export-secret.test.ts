import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { settings } from '../../src/lib/server/config';
import { loadExportSecret } from '../../src/lib/server/export/secret';

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
		process.env.EXPORT_SECRET = 'x'.repeat(40);
		expect(loadExportSecret(settings())).toBe('x'.repeat(40));
	});
});
