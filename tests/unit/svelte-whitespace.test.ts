/**
 * Svelte 5 drops the whitespace at the start of a block: `{pop.label}{#if primary} <strong>(primary
 * analysis)</strong>{/if}` renders "Completers(primary analysis)". A walk-through found it in the
 * report's results table, the reports list ("2(1 earlier)") and the home page's footnote. A space
 * that must show is written `{' '}`; this test finds any block that still starts with a bare space
 * before text or a tag, and holds the compiler's behaviour that makes it matter.
 */
import fs from 'node:fs';
import path from 'node:path';
import { compile } from 'svelte/compiler';
import { describe, expect, it } from 'vitest';

const LEADING_SPACE = /\{(?:#if|:else if|:else|#each)[^}]*\} (?=[^ {\n])/g;

function svelteFiles(dir: string): string[] {
	return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
		const p = path.join(dir, e.name);
		return e.isDirectory() ? svelteFiles(p) : e.name.endsWith('.svelte') ? [p] : [];
	});
}

describe("a block's leading space", () => {
	it('is dropped by the compiler unless written as {" "}', () => {
		const code = (src: string) => compile(src, { generate: 'server', filename: 'T.svelte' }).js.code;
		expect(code('<p>x{#if a} <strong>y</strong>{/if}</p>')).toContain('<!--[0--><strong>y');
		expect(code("<p>x{#if a}{' '}<strong>y</strong>{/if}</p>")).toContain('<!--[0--> <strong>y');
	});

	it('is never left bare in the app’s components', () => {
		const found = svelteFiles('src').flatMap((f) => [...fs.readFileSync(f, 'utf8').matchAll(LEADING_SPACE)].map((m) => `${f}: ${m[0]}`));
		expect(found).toEqual([]);
	});
});
