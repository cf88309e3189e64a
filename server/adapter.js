// adapter-node, with server/handler.js in place of its own handler.js. adapter-node copies its
// entry files into .svelte-kit/adapter-node/entries and bundles them; when that copy has
// happened, its handler.js is renamed sveltekit-handler.js and ours (which wraps it) takes its
// name, so the bundle's index.js and build/handler.js both serve through ours. The build fails
// if adapter-node stops working this way, rather than shipping without the headers.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import node from '@sveltejs/adapter-node';

const here = path.dirname(fileURLToPath(import.meta.url));

/** @param {import('@sveltejs/adapter-node').AdapterOptions} [options] */
export default function adapter(options = {}) {
	const base = node(options);
	return {
		...base,
		name: 'adapter-node (with static file headers)',
		/** @param {import('@sveltejs/kit').Builder} builder */
		async adapt(builder) {
			const entries = path.resolve(builder.getBuildDirectory('adapter-node'), 'entries');
			let replaced = false;
			/** @type {import('@sveltejs/kit').Builder['copy']} */
			const copy = (from, to, opts) => {
				const copied = builder.copy(from, to, opts);
				if (path.resolve(to) === entries && fs.existsSync(path.join(entries, 'handler.js'))) {
					fs.renameSync(path.join(entries, 'handler.js'), path.join(entries, 'sveltekit-handler.js'));
					for (const file of ['handler.js', 'static-headers.js']) fs.copyFileSync(path.join(here, file), path.join(entries, file));
					replaced = true;
				}
				return copied;
			};
			// The builder is a plain object whose methods do not use `this`.
			const wrapped = { ...builder, copy };
			await base.adapt(wrapped);
			if (!replaced) throw new Error('server/adapter.js: adapter-node no longer copies its handler.js as expected; the static file headers were not installed');
		}
	};
}
