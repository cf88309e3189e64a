/** `npm run instrument -- check | score | list`: output lines, the one JSON object, exit statuses. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../src/lib/instruments/cli';

const DEFS = 'src/lib/instruments/definitions';
function run(args: string[], files: Record<string, string> = {}) {
	const out: string[] = [];
	const err: string[] = [];
	const code = runCli(args, {
		readFile: (p) => files[p] ?? readFileSync(p, 'utf8'),
		out: (l) => out.push(l),
		err: (l) => err.push(l)
	});
	return { code, out, err };
}

describe('check', () => {
	it('prints one line per example and a summary; exit 0 when all pass', () => {
		const r = run(['check', `${DEFS}/who5.json`, `${DEFS}/hbi.json`]);
		expect(r.code).toBe(0);
		expect(r.out.filter((l) => l.startsWith(`${DEFS}/who5.json: pass example`))).toHaveLength(4);
		expect(r.out).toContain(`${DEFS}/who5.json: ok — who5 version 2024, 4 examples pass`);
		expect(r.out).toContain(`${DEFS}/hbi.json: ok — hbi version 1980, 4 examples pass`);
	});
	it('exits 1 when any file fails, naming the failed example and the place', () => {
		const broken = JSON.parse(readFileSync(`${DEFS}/pain_nrs.json`, 'utf8'));
		const ext = broken.extension.find((e: { url: string }) => e.url.endsWith('/instrument'));
		const example = ext.extension.find((e: { url: string }) => e.url === 'example');
		example.extension.find((e: { url: string }) => e.url === 'scores').valueString = '{"score":1}';
		const r = run(['check', `${DEFS}/fss9.json`, 'broken.json', 'missing.json'], { 'broken.json': JSON.stringify(broken) });
		expect(r.code).toBe(1);
		expect(r.out).toContain('broken.json: FAIL example “0”: score: expected 1 ± 1e-9, got 0');
		expect(r.out.some((l) => /^missing\.json: FAIL cannot read missing\.json: ENOENT/.test(l))).toBe(true);
		expect(r.out).toContain(`${DEFS}/fss9.json: ok — fss9 version 1989, 5 examples pass`);
	});
});

describe('score', () => {
	it('prints exactly one JSON object with the scores; exit 0', () => {
		const r = run(['score', `${DEFS}/fss9.json`, '--answers', '{"1":5,"2":5,"3":5,"4":5,"5":5,"6":5,"7":6,"8":6,"9":6}']);
		expect(r.code).toBe(0);
		expect(r.out).toHaveLength(1);
		expect(JSON.parse(r.out[0]!)).toEqual({ ok: true, scores: { mean: 48 / 9, sum: 48 } });
	});
	it('refuses with the errors and exit 1: an answer out of range, bad JSON, a broken definition', () => {
		const out = run(['score', `${DEFS}/fss9.json`, '--answers', '{"1":8}']);
		expect(out.code).toBe(1);
		expect(JSON.parse(out.out[0]!)).toEqual({ ok: false, errors: [{ item: '1', message: 'Item 1 · fatigue impact: enter a whole number from 1 to 7.' }] });
		const json = run(['score', `${DEFS}/fss9.json`, '--answers', '{1:']);
		expect(json.code).toBe(1);
		expect(JSON.parse(json.out[0]!).errors[0].where).toBe('--answers');
		const bad = run(['score', 'q.json', '--answers', '{}'], { 'q.json': '{"resourceType":"Questionnaire","item":[{"linkId":"a","type":"integer"}]}' });
		expect(bad.code).toBe(1);
		expect(JSON.parse(bad.out[0]!)).toEqual({ ok: false, errors: [{ where: 'item “a”', message: 'an answered number needs minValue and maxValue' }] });
	});
	it('scores a plain SDC Questionnaire with no extension of ours', () => {
		const q = {
			resourceType: 'Questionnaire',
			item: [
				{ linkId: 'a', type: 'integer', required: true, extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/minValue', valueInteger: 0 }, { url: 'http://hl7.org/fhir/StructureDefinition/maxValue', valueInteger: 3 }] },
				{ linkId: 'double', type: 'integer', extension: [{ url: 'http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-calculatedExpression', valueExpression: { language: 'text/fhirpath', expression: "%resource.item.where(linkId = 'a').answer.value * 2" } }] }
			]
		};
		const r = run(['score', 'sdc.json', '--answers', '{"a":3}'], { 'sdc.json': JSON.stringify(q) });
		expect(r.out).toEqual(['{"ok":true,"scores":{"double":6}}']);
		expect(run(['score', 'sdc.json', '--answers', '{}'], { 'sdc.json': JSON.stringify(q) }).out).toEqual(['{"ok":false,"errors":[{"item":"a","message":"Item a: answer missing (required)."}]}']);
	});
});

it('list prints every built-in definition with its version', () => {
	const r = run(['list']);
	expect(r.code).toBe(0);
	expect(r.out).toHaveLength(21);
	expect(r.out[0]).toBe('fss9\t1989\tfss9-1\tFatigue Severity Scale (FSS-9)');
});

it('npm run instrument runs the same from the shell, with its exit status', () => {
	const dir = mkdtempSync(path.join(tmpdir(), 'instrument-cli-'));
	const file = path.join(dir, 'nrs.json');
	writeFileSync(file, readFileSync(`${DEFS}/pain_nrs.json`));
	const ok = spawnSync('npm', ['run', '-s', 'instrument', '--', 'score', file, '--answers', '{"pain":7}'], { encoding: 'utf8' });
	expect(ok.stdout).toBe('{"ok":true,"scores":{"score":7}}\n');
	expect(ok.status).toBe(0);
	const refused = spawnSync('npm', ['run', '-s', 'instrument', '--', 'score', file, '--answers', '{"pain":11}'], { encoding: 'utf8' });
	expect(refused.status).toBe(1);
	expect(JSON.parse(refused.stdout).ok).toBe(false);
}, 60_000);
