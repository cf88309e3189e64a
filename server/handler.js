// Takes the place of adapter-node's handler.js in the build (see server/adapter.js), which is
// renamed sveltekit-handler.js: the same handler, with the security and cache headers set on
// the static files it serves before the app's hooks run. `node build`, `npm start` and a custom
// server importing build/handler.js all get it.
import { dir } from './env.js';
import { handler as sveltekit } from './sveltekit-handler.js';
import { listStaticFiles, pathnameOf, staticFileHeaders } from './static-headers.js';

const files = listStaticFiles(`${dir}/client`);

/** @type {typeof sveltekit} */
export const handler = (req, res, next) => {
	if (req.method === 'GET' || req.method === 'HEAD') {
		const pathname = pathnameOf(req.url);
		// Set before the file server writes its own (content type, ETag); it keeps these.
		if (pathname && files.has(pathname)) {
			for (const [name, value] of Object.entries(staticFileHeaders(pathname))) res.setHeader(name, value);
		}
	}
	return sveltekit(req, res, next);
};
