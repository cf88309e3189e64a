import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { IMMUTABLE, listStaticFiles, pathnameOf, staticFileHeaders } from '../../server/static-headers.js';

describe('headers of the static files adapter-node serves', () => {
	it('content-addressed files under /_app/immutable/ are cached for a year; the rest are revalidated', () => {
		expect(staticFileHeaders('/_app/immutable/entry/start.BxY7.js')).toEqual({
			'X-Content-Type-Options': 'nosniff',
			'Referrer-Policy': 'same-origin',
			'Cache-Control': 'public, max-age=31536000, immutable'
		});
		for (const p of ['/_app/version.json', '/favicon.svg', '/app.css', '/_app/immutable']) {
			expect(staticFileHeaders(p)['Cache-Control'], p).toBe('no-cache');
			expect(staticFileHeaders(p)['X-Content-Type-Options']).toBe('nosniff');
		}
		expect(IMMUTABLE).toBe('public, max-age=31536000, immutable');
	});

	it('are given only to files that exist, found by their served path', () => {
		const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ot-static-'));
		fs.mkdirSync(path.join(root, '_app', 'immutable', 'chunks'), { recursive: true });
		fs.writeFileSync(path.join(root, '_app', 'immutable', 'chunks', 'a.js'), '');
		fs.writeFileSync(path.join(root, '_app', 'version.json'), '{}');
		fs.writeFileSync(path.join(root, 'favicon.svg'), '<svg/>');
		expect([...listStaticFiles(root)].sort()).toEqual(['/_app/immutable/chunks/a.js', '/_app/version.json', '/favicon.svg']);
		expect(listStaticFiles(path.join(root, 'absent')).size).toBe(0);
	});

	it('read the path of a request target as the file server does', () => {
		expect(pathnameOf('/favicon.svg?v=2')).toBe('/favicon.svg');
		expect(pathnameOf('/_app/immutable/a%20b.js')).toBe('/_app/immutable/a b.js');
		expect(pathnameOf('/%E0%A4%A')).toBeNull();
		expect(pathnameOf(undefined)).toBeNull();
	});
});
