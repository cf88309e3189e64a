/**
 * Hostile or broken definitions are refused with a message naming the place, within a second,
 * without throwing: oversized files, deep nesting, exploding or endless expressions, unsupported
 * functions, a linkId used twice, a score outside its declared range on its own examples.
 */
import { describe, expect, it } from 'vitest';
import { verifyDefinition, verifyDefinitionText, type Verification } from '../../../src/lib/instruments/verify';
import { scoreQuestionnaire, compileQuestionnaire } from '../../../src/lib/instruments/engine';

const EXT = 'https://outcome-tracker.org/fhir/StructureDefinition/instrument';
const CALC = 'http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-calculatedExpression';
const VAR = 'http://hl7.org/fhir/StructureDefinition/variable';
const range = (min: number, max: number) => [
	{ url: 'http://hl7.org/fhir/StructureDefinition/minValue', valueInteger: min },
	{ url: 'http://hl7.org/fhir/StructureDefinition/maxValue', valueInteger: max }
];
const fhirpath = (expression: string) => ({ language: 'text/fhirpath', expression });

interface Ext {
	url: string;
	extension?: Ext[];
	[key: string]: unknown;
}
interface Def {
	extension: Ext[];
	item: { linkId: string; extension?: Ext[]; [key: string]: unknown }[];
	[key: string]: unknown;
}

/** A small valid instrument: two items 0–4, the total as its one scale, two worked examples. */
function small(o: { total?: string; variables?: { name: string; expression: string }[]; scaleMax?: number } = {}): Def {
	return {
		resourceType: 'Questionnaire',
		id: 'tiny',
		version: '1',
		title: 'Tiny test instrument',
		extension: [
			...(o.variables ?? []).map((v) => ({ url: VAR, valueExpression: { name: v.name, ...fhirpath(v.expression) } })),
			{
				url: EXT,
				extension: [
					{ url: 'construct', valueCode: 'fatigue' },
					{ url: 'missingRule', valueString: 'Both items required.' },
					{ url: 'licence', extension: [{ url: 'class', valueCode: 'A' }, { url: 'note', valueString: 'Written for this test.' }] },
					{ url: 'scale', extension: [{ url: 'linkId', valueString: 'total' }, { url: 'min', valueDecimal: 0 }, { url: 'max', valueDecimal: o.scaleMax ?? 8 }, { url: 'direction', valueCode: 'lower-is-better' }, { url: 'decimals', valueInteger: 0 }] },
					{ url: 'example', extension: [{ url: 'name', valueString: '1 + 2' }, { url: 'answers', valueString: '{"a":1,"b":2}' }, { url: 'scores', valueString: '{"total":3}' }] },
					{ url: 'example', extension: [{ url: 'name', valueString: 'b missing' }, { url: 'answers', valueString: '{"a":1}' }, { url: 'refused', valueString: 'both required' }, { url: 'refusedItems', valueString: '["b"]' }] }
				]
			}
		],
		item: [
			{ linkId: 'a', type: 'integer', required: true, extension: range(0, 4) },
			{ linkId: 'b', type: 'integer', required: true, extension: range(0, 4) },
			{ linkId: 'total', type: 'integer', extension: [{ url: CALC, valueExpression: fhirpath(o.total ?? "%resource.item.where(linkId in ('a' | 'b')).answer.value.sum()") }] }
		]
	};
}

/** Verifies within a second and returns the outcome. */
function timed(run: () => Verification): Verification {
	const started = performance.now();
	const v = run();
	expect(performance.now() - started).toBeLessThan(1000);
	return v;
}
const messages = (v: Verification) => [...v.problems.map((p) => `${p.where}: ${p.message}`), ...v.examples.filter((e) => !e.pass).map((e) => `${e.name}: ${e.detail}`)].join('\n');

describe('a valid small definition', () => {
	it('verifies, and its examples pass', () => {
		const v = verifyDefinition(small());
		expect(messages(v)).toBe('');
		expect(v.ok).toBe(true);
	});
});

describe('refused definitions', () => {
	it('a 10 MB file, before parsing it', () => {
		const text = JSON.stringify({ ...small(), padding: 'x'.repeat(10 * 1024 * 1024) });
		const v = timed(() => verifyDefinitionText(text));
		expect(v.ok).toBe(false);
		expect(messages(v)).toMatch(/^file: the file is 10,48\d,\d{3} characters; the limit is 1,000,000/);
	});
	it('items nested 200 deep, and JSON nested 100 000 deep', () => {
		const q = small();
		let deep: Record<string, unknown> = { linkId: 'g0', type: 'group' };
		const root = deep;
		for (let i = 1; i < 200; i++) {
			const next = { linkId: `g${i}`, type: 'group' };
			deep.item = [next];
			deep = next;
		}
		const v = timed(() => verifyDefinition({ ...q, item: [...q.item, root] }));
		expect(messages(v)).toMatch(/nested more than 32 levels deep/);
		const text = `{"resourceType":"Questionnaire","x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
		const w = timed(() => verifyDefinitionText(text));
		expect(w.ok).toBe(false);
		expect(messages(w)).toMatch(/^(file: not valid JSON|Questionnaire: JSON is nested more than 32 levels deep)/);
	});
	it('an expression that builds a huge collection', () => {
		// Each variable doubles the last: 2^40 values if nothing stopped it.
		const variables = [{ name: 'v0', expression: '(1 | 2 | 3 | 4 | 5 | 6 | 7 | 8)' }];
		for (let i = 1; i <= 40; i++) variables.push({ name: `v${i}`, expression: `%v${i - 1}.combine(%v${i - 1})` });
		const v = timed(() => verifyDefinition(small({ variables, total: '%v40.count()' })));
		expect(v.ok).toBe(false);
		expect(messages(v)).toMatch(/1 \+ 2: expected scores, but it was refused: The definition could not score this form: Questionnaire\.variable\[\d+\]: evaluation stopped: a collection of more than 1000 values/);
	});
	it('a cross product, and repeat() (which could recurse without end)', () => {
		const cross = small({ variables: [{ name: 'x', expression: "(1).combine(2).combine(3).combine(4).combine(5).combine(6).combine(7).combine(8).combine(9).combine(10)" }], total: '%x.select(%x.select(%x.select(%x.select(%x)))).count()' });
		expect(messages(timed(() => verifyDefinition(cross)))).toMatch(/item “total”\.calculatedExpression: evaluation stopped/);
		const endless = small({ total: '(1).repeat($this + 1).count()' });
		expect(messages(timed(() => verifyDefinition(endless)))).toBe('item “total”.calculatedExpression: function “repeat()” is not supported (see docs/instruments.md for the supported functions)');
	});
	it('a string that doubles itself', () => {
		const variables = [{ name: 's0', expression: "'abcd' & 'efgh'" }];
		for (let i = 1; i <= 40; i++) variables.push({ name: `s${i}`, expression: `%s${i - 1} & %s${i - 1}` });
		const v = timed(() => verifyDefinition(small({ variables, total: '%s40.count()' })));
		expect(messages(v)).toMatch(/evaluation stopped: a string longer than 10000 characters/);
	});
	it('an unknown function, a network function, a regular expression and a clock', () => {
		for (const [expression, name] of [['%resource.item.frobnicate()', 'frobnicate'], ["%resource.item.resolve().count()", 'resolve'], ["'aaaa'.matches('(a+)+$').count()", 'matches'], ['now().count()', 'now']]) {
			const v = timed(() => verifyDefinition(small({ total: expression })));
			expect(v.ok).toBe(false);
			expect(messages(v)).toContain(`item “total”.calculatedExpression: function “${name}()” is not supported`);
		}
	});
	it('an expression that does not parse, an undefined variable and a linkId that names no item', () => {
		expect(messages(verifyDefinition(small({ total: '1 +' })))).toMatch(/^item “total”\.calculatedExpression: the expression does not parse/);
		expect(messages(verifyDefinition(small({ total: '%nope + 1' })))).toBe('item “total”.calculatedExpression: “%nope” is not defined here (define it as a variable earlier in scope)');
		expect(messages(verifyDefinition(small({ total: "%resource.item.where(linkId = 'c').answer.value.sum()" })))).toBe('item “total”.calculatedExpression: linkId “c” names no item');
	});
	it('a linkId used twice', () => {
		const q = small();
		q.item.push({ linkId: 'a', type: 'integer', required: true, extension: range(0, 4) });
		const v = timed(() => verifyDefinition(q));
		expect(messages(v)).toBe('item “a”: linkId “a” is used twice');
	});
	it('a score outside its declared range on its own examples', () => {
		const v = timed(() => verifyDefinition(small({ scaleMax: 2 })));
		expect(v.ok).toBe(false);
		expect(messages(v)).toBe('1 + 2: total = 3 is outside its declared range 0 to 2');
	});
	it('a scale without direction or range, and an answered number without a range', () => {
		const q = small();
		const ext = q.extension.at(-1)!.extension!;
		const scale = ext.find((e) => e.url === 'scale')!;
		scale.extension = scale.extension!.filter((e) => e.url !== 'direction' && e.url !== 'min');
		expect(messages(verifyDefinition(q))).toBe(
			'instrument.scale[0] (“total”): min is missing\ninstrument.scale[0] (“total”): direction must be “higher-is-better” or “lower-is-better”'
		);
		const r = small();
		r.item[0]!.extension = [];
		expect(messages(verifyDefinition(r))).toBe('item “a”: an answered number needs minValue and maxValue');
	});
	it('a worked example whose expected score is wrong', () => {
		const q = small();
		const ex = q.extension.at(-1)!.extension!.find((e) => e.url === 'example')!;
		ex.extension![2] = { url: 'scores', valueString: '{"total":4}' };
		expect(messages(verifyDefinition(q))).toBe('1 + 2: total: expected 4 ± 0, got 3');
	});
	it('not a Questionnaire at all', () => {
		for (const input of [null, 42, [], { resourceType: 'Patient' }]) expect(messages(verifyDefinition(input))).toMatch(/^resourceType: the definition is not a FHIR Questionnaire/);
	});
});

describe('scoring by standard SDC alone (no extension of ours)', () => {
	it('scores with option codings read by weight(), refuses a calculated value outside its range and a required calculated item left empty', () => {
		const ORD = 'http://hl7.org/fhir/StructureDefinition/ordinalValue';
		const option = (code: string, weight: number) => ({ valueCoding: { system: 'urn:test', code, extension: [{ url: ORD, valueDecimal: weight }] } });
		const q = {
			resourceType: 'Questionnaire',
			item: [
				{ linkId: 'q1', type: 'choice', answerOption: [option('never', 0), option('often', 3)] },
				{ linkId: 'q2', type: 'choice', answerOption: [option('never', 0), option('often', 3)] },
				{
					linkId: 'score', type: 'decimal', required: true,
					extension: [
						// At least 1 of 2 answered, prorated to 2 items.
						{ url: CALC, valueExpression: fhirpath("iif(%resource.item.where(linkId in ('q1' | 'q2')).answer.count() >= 1, %resource.item.where(linkId in ('q1' | 'q2')).answer.value.weight().avg() * 2, {})") },
						{ url: 'http://hl7.org/fhir/StructureDefinition/maxValue', valueDecimal: 5 }
					]
				}
			]
		};
		const c = compileQuestionnaire(q);
		if (!c.ok) throw new Error(JSON.stringify(c.problems));
		expect(scoreQuestionnaire(c.compiled, { q1: 3 })).toEqual({ ok: false, errors: [{ item: 'score', message: 'Item score: 6 is outside its range −∞ to 5.' }] });
		expect(scoreQuestionnaire(c.compiled, { q1: 0, q2: 3 })).toEqual({ ok: true, scores: { score: 3 } });
		expect(scoreQuestionnaire(c.compiled, {})).toEqual({
			ok: false,
			errors: [
				{ item: 'q1', message: 'Item q1: answer missing (needed for Item score).' },
				{ item: 'q2', message: 'Item q2: answer missing (needed for Item score).' }
			]
		});
		expect(scoreQuestionnaire(c.compiled, { q1: 2 })).toEqual({ ok: false, errors: [{ item: 'q1', message: 'Item q1: enter one of 0, 3.' }] });
	});
});

describe('a list of linkIds kept in a variable', () => {
	it('is checked like an inline list, and a refusal still names the unanswered items it lists', () => {
		const ok = small({ variables: [{ name: 'both', expression: "('a' | 'b')" }], total: '%resource.item.where(linkId in %both).answer.value.sum()' });
		expect(messages(verifyDefinition(ok))).toBe('');
		const bad = small({ variables: [{ name: 'both', expression: "('a' | 'c')" }], total: '%resource.item.where(linkId in %both).answer.value.sum()' });
		expect(messages(verifyDefinition(bad))).toBe('Questionnaire.variable[0]: linkId “c” names no item');
		const q = small({ variables: [{ name: 'both', expression: "('a' | 'b')" }], total: "iif(%resource.item.where(linkId in %both).answer.count() = 2, 1, {})" });
		q.item[2]!.required = true;
		q.item[0]!.required = false;
		q.item[1]!.required = false;
		const c = compileQuestionnaire(q);
		if (!c.ok) throw new Error(JSON.stringify(c.problems));
		expect(scoreQuestionnaire(c.compiled, { a: 1 })).toEqual({ ok: false, errors: [{ item: 'b', message: 'Item b: answer missing (needed for Item total).' }] });
	});
});
