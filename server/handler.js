// Takes the place of adapter-node's handler.js in the build (see server/adapter.js), which is
// renamed sveltekit-handler.js: the same handler, with the security and cache headers set on
// the static files it serves before the app's hooks run. `node build`, `npm start` and a custom
// server importing build/handler.js all get it.
import { dir } from './env.js';
import { handler as sveltekit } from './sveltekit-handler.js';
import { listStaticFiles, pathnameOf, staticFileHeaders } from './static-headers.js';

const files = listStaticFiles(`${dir}/client`);

/** How much of a body the server still reads, and for how long, after answering without it. */
const DRAIN_BYTES = 8 * 1024 * 1024;
const DRAIN_MS = 5000;

/**
 * An answer given before the request's body was read (a 413 over BODY_SIZE_LIMIT, a redirect to
 * sign in, an endpoint that takes no body) is finished only once the rest of the body has arrived
 * and been dropped, up to DRAIN_BYTES or DRAIN_MS. Closing the connection earlier, while the client
 * is still sending, makes the kernel answer the rest with a reset, and a client that had not yet read
 * the answer loses it ("connection reset" instead of the 413 and its message). A lingering close, as
 * web servers do.
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 */
function finishAfterBody(req, res) {
	const end = res.end;
	// @ts-expect-error: the same signature, returned as Node does
	res.end = function (...args) {
		if (req.complete || req.destroyed || req.readableEnded) return end.apply(this, args);
		let seen = 0;
		let done = false;
		const finish = () => {
			if (done) return;
			done = true;
			clearTimeout(timer);
			req.off('data', count);
			end.apply(res, args);
		};
		/** @param {Buffer} chunk */
		const count = (chunk) => {
			seen += chunk.length;
			if (seen > DRAIN_BYTES) finish();
			// SvelteKit's reader of an unread body pauses the request once its queue is full (it
			// stops queueing past BODY_SIZE_LIMIT); this listener runs after it and reads on.
			else req.resume();
		};
		const timer = setTimeout(finish, DRAIN_MS);
		req.on('data', count);
		req.once('end', finish);
		req.once('error', finish);
		req.once('close', finish);
		req.resume();
		return this;
	};
}

/** @type {typeof sveltekit} */
export const handler = (req, res, next) => {
	if (req.method !== 'GET' && req.method !== 'HEAD') finishAfterBody(req, res);
	if (req.method === 'GET' || req.method === 'HEAD') {
		const pathname = pathnameOf(req.url);
		// Set before the file server writes its own (content type, ETag); it keeps these.
		if (pathname && files.has(pathname)) {
			for (const [name, value] of Object.entries(staticFileHeaders(pathname))) res.setHeader(name, value);
		}
	}
	return sveltekit(req, res, next);
};
