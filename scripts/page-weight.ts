/**
 * The JavaScript a page downloads before it runs, gzipped: the client entry points and the page's
 * node with every chunk they import statically (chunks imported lazily are listed apart). Run
 * after `vite build`: `npx tsx scripts/page-weight.ts [route id] [project folder]`.
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

type Chunk = { file: string; src?: string; isEntry?: boolean; imports?: string[]; dynamicImports?: string[] };

export function pageWeight(root: string, routeId: string): { eagerBytes: number; lazyBytes: number; eagerFiles: number } {
	const dir = `${root}/.svelte-kit/output/client`;
	// The route's nodes: "/(app)/x": [~page, [layouts]] in the generated client app.
	const app = readFileSync(`${root}/.svelte-kit/generated/client-optimized/app.js`, 'utf8');
	const entry = new RegExp(`"${routeId.replace(/[[\]()/.]/g, '\\$&')}": \\[([^\n]*)\\],?\n`).exec(app);
	if (!entry) throw new Error(`${routeId} is not a route of this build`);
	const numbers = [...entry[1]!.matchAll(/\d+/g)].map((m) => Number(m[0]));
	// Nodes 0 and 1 (the root layout and error page) are fetched by Kit's client on every start.
	const nodeKeys = [0, 1, ...numbers].map((n) => `.svelte-kit/generated/client-optimized/nodes/${n}.js`);
	const manifest = JSON.parse(readFileSync(`${dir}/.vite/manifest.json`, 'utf8')) as Record<string, Chunk>;
	const gz = (file: string) => gzipSync(readFileSync(`${dir}/${file}`), { level: 9 }).length;
	// The client's two entry points: Kit's runtime (emitted as entry/start.*.js) and the generated
	// app (entry/app.*.js, which imports the root layout and error nodes). Matched by their source
	// paths, the manifest's keys: matching 'entry/start' there found neither, and every page was
	// counted 4.6 KB light (measured against the bytes Chromium downloads, scripts/ui-bench.ts).
	const starts = Object.keys(manifest).filter((k) => manifest[k]!.isEntry && (k.endsWith('runtime/client/entry.js') || k.endsWith('client-optimized/app.js')));
	if (starts.length !== 2) throw new Error(`expected the client's two entry points in the manifest, found ${starts.length}`);
	const eager = new Set<string>();
	const visit = (key: string) => {
		if (eager.has(key) || !manifest[key]) return;
		eager.add(key);
		for (const k of manifest[key]!.imports ?? []) visit(k);
	};
	for (const k of [...starts, ...nodeKeys]) visit(k);
	const lazy = new Set<string>();
	const visitLazy = (key: string) => {
		for (const k of manifest[key]?.dynamicImports ?? []) {
			const walk = (x: string) => {
				if (eager.has(x) || lazy.has(x) || !manifest[x]) return;
				lazy.add(x);
				for (const y of manifest[x]!.imports ?? []) walk(y);
			};
			walk(k);
		}
	};
	// The generated app imports every route's node lazily: those load on navigation, not for this page.
	for (const k of eager) if (!k.endsWith('client-optimized/app.js')) visitLazy(k);
	const sum = (keys: Set<string>) => [...keys].reduce((t, k) => t + gz(manifest[k]!.file), 0);
	return { eagerBytes: sum(eager), lazyBytes: sum(lazy), eagerFiles: eager.size };
}

if (import.meta.url === `file://${process.argv[1]}`) {
	const route = process.argv[2] ?? '/(app)/patients/[id]/visits/new';
	const w = pageWeight(process.argv[3] ?? process.cwd(), route);
	console.log(`${route}: ${(w.eagerBytes / 1024).toFixed(1)} KB gzipped in ${w.eagerFiles} files before it runs; ${(w.lazyBytes / 1024).toFixed(1)} KB loaded lazily`);
}
