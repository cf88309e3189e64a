/**
 * The shipped Questionnaire files: each one verifies (structure, expressions, our extension) and
 * reproduces its own worked examples; none carries item wording.
 */
import { describe, expect, it } from 'vitest';
import { BUILT_IN } from '../../../src/lib/instruments/definitions';
import { walkItems } from '../../../src/lib/instruments/fhir';
import { INSTRUMENTS } from '../../../src/lib/instruments';
import { verifyDefinition } from '../../../src/lib/instruments/verify';

describe.each(BUILT_IN.map((q) => [q.id!, q] as const))('%s.json', (_, q) => {
	const v = verifyDefinition(structuredClone(q));
	it('verifies without a problem', () => {
		expect(v.problems).toEqual([]);
	});
	it('passes every worked example, including at least one refusal', () => {
		expect(v.examples.length).toBeGreaterThanOrEqual(2);
		for (const e of v.examples) expect(e.pass, `${e.name}: ${e.detail}`).toBe(true);
		expect(v.examples.some((e) => !e.result.ok)).toBe(true);
	});
	it('ships no item wording (text), only our labels', () => {
		for (const { item } of walkItems(q.item)) expect(item.text, item.linkId).toBeUndefined();
	});
});

it('the registry reads all 21 built-in instruments, in the order the app shows them', () => {
	expect(INSTRUMENTS.map((d) => d.id)).toEqual([
		'fss9', 'mfis21', 'mfis5', 'pain_nrs', 'pain_vas', 'who5', 'rand36', 'promis_gh10', 'das28_esr', 'das28_crp', 'hbi',
		'haq_di', 'facit_fatigue', 'promis_fatigue_t', 'sledai_2k', 'eq5d5l_index', 'eq5d_vas', 'pss10', 'gad7', 'phq9', 'phq4'
	]);
});

it('the complete example in docs/instruments.md verifies and passes its examples', async () => {
	const { readFileSync } = await import('node:fs');
	const doc = readFileSync('docs/instruments.md', 'utf8');
	const json = /```json\n([\s\S]*?)\n```/.exec(doc)![1]!;
	const v = verifyDefinition(JSON.parse(json));
	expect(v.problems).toEqual([]);
	expect(v.examples.map((e) => [e.name, e.pass])).toEqual([['1 + 2 = 3', true], ['b missing', true]]);
});
