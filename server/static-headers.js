// Headers for the files adapter-node serves itself from build/client (the app's scripts and styles
// under /_app/, and the files of static/). It answers those before the app's hooks run, so
// hooks.server.ts cannot set them; server/handler.js does, from here. Plain JavaScript: it is
// copied into the build as it is.
import fs from 'node:fs';
import path from 'node:path';

/** Content-addressed (the file name holds a hash of its content): cached for a year, never revalidated. */
export const IMMUTABLE = 'public, max-age=31536000, immutable';
const IMMUTABLE_PREFIX = '/_app/immutable/';

/**
 * The headers of a static file at `pathname`. Files outside /_app/immutable/ (version.json,
 * favicon.svg, app.css) keep their name when their content changes: 'no-cache' lets a browser
 * keep them but ask (with the ETag) before each use.
 * @param {string} pathname
 * @returns {Record<string, string>}
 */
export function staticFileHeaders(pathname) {
	return {
		'X-Content-Type-Options': 'nosniff',
		'Referrer-Policy': 'same-origin',
		'Cache-Control': pathname.startsWith(IMMUTABLE_PREFIX) ? IMMUTABLE : 'no-cache'
	};
}

/**
 * Every file under `root` as the path it is served at ('/_app/version.json'), read once at start:
 * only a request for a file that exists gets these headers (a missing one is the app's 404).
 * @param {string} root
 * @returns {Set<string>}
 */
export function listStaticFiles(root) {
	const out = new Set();
	if (!fs.existsSync(root)) return out;
	for (const entry of fs.readdirSync(root, { recursive: true, withFileTypes: true })) {
		if (!entry.isFile()) continue;
		const full = path.join(entry.parentPath ?? entry.path, entry.name);
		out.add('/' + path.relative(root, full).split(path.sep).join('/'));
	}
	return out;
}

/**
 * The decoded path of a request target ('/favicon.svg?v=2' → '/favicon.svg'), or null.
 * @param {string | undefined} target
 * @returns {string | null}
 */
export function pathnameOf(target) {
	if (!target) return null;
	try {
		return decodeURIComponent(new URL(target, 'http://localhost').pathname);
	} catch {
		return null;
	}
}
