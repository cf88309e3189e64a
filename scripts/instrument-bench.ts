/**
 * `npm run bench:instruments`: scoring one submitted form on the server, through the engine
 * against the retired TypeScript scorer on the same forms (p50, p99 per instrument), and the
 * JavaScript the visit-entry page downloads (gzipped) when a build is present. No database.
 *   --forms N      forms per instrument (default 2000)
 *   --before DIR   a checkout built before the change, to print its page weight beside this one
 */
import fc from 'fast-check';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { INSTRUMENTS, scoreResponse } from '../src/lib/instruments';
import { completeAnswers } from '../tests/unit/property/arbitraries';
import { scoreResponse as retired } from '../tests/fixtures/retired-instruments/index';
import { pageWeight } from './page-weight';

const { values } = parseArgs({ options: { forms: { type: 'string', default: '2000' }, before: { type: 'string' } } });
const FORMS = Math.max(100, Number(values.forms));
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const us = (ms: number) => `${(ms * 1000).toFixed(0)} µs`;

function time(score: (id: string, a: Record<string, number>) => unknown, id: string, forms: Record<string, number>[]): number[] {
	for (const f of forms.slice(0, 50)) score(id, f); // warm up
	return forms.map((f) => {
		const t = performance.now();
		score(id, f);
		return performance.now() - t;
	});
}

console.log(`Scoring one form (${FORMS} random complete forms per instrument, same forms for both):`);
console.log('instrument        engine p50   engine p99   retired p50   retired p99');
const all: number[] = [];
for (const def of INSTRUMENTS) {
	const forms = fc.sample(completeAnswers(def), { numRuns: FORMS, seed: 18 });
	const engine = time(scoreResponse, def.id, forms);
	const old = time(retired, def.id, forms);
	all.push(...engine);
	console.log(`${def.id.padEnd(16)}  ${us(pct(engine, 50)).padStart(10)}   ${us(pct(engine, 99)).padStart(10)}   ${us(pct(old, 50)).padStart(11)}   ${us(pct(old, 99)).padStart(11)}`);
}
console.log(`all instruments   ${us(pct(all, 50)).padStart(10)}   ${us(pct(all, 99)).padStart(10)}   (target p99 < 5 ms)`);

const route = '/(app)/patients/[id]/visits/new';
for (const [label, dir] of [['before', values.before], ['now', process.cwd()]] as const) {
	if (!dir || !existsSync(`${dir}/.svelte-kit/output/client/.vite/manifest.json`)) continue;
	const w = pageWeight(dir, route);
	console.log(`Visit entry page JavaScript (${label}): ${(w.eagerBytes / 1024).toFixed(1)} KB gzipped before it runs, ${(w.lazyBytes / 1024).toFixed(1)} KB loaded lazily (target < 150 KB)`);
}
