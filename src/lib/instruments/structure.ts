/**
 * Structural checks of a Questionnaire before anything is evaluated: sizes and depths within
 * limits, linkIds well formed and unique, items of supported types with options or ranges, and
 * every expression parsed and vetted (supported functions only, known variables, linkIds that exist).
 */
import fhirpath from 'fhirpath';
import { calculatedExpressionOf, extensionOf, isObject, optionNumber, URL, type QItem } from './fhir';
import type { Problem } from './definition';

/** Limits on a definition and on the evaluation of one form (docs/instruments.md, “Limits”). */
export const LIMITS = {
	definitionChars: 1_000_000,
	jsonDepth: 32,
	itemDepth: 5,
	items: 500,
	answerOptions: 200,
	expressionChars: 4000,
	expressionNodes: 3000,
	expressionNesting: 40,
	/**
	 * Per form: evaluation stops (and the form is refused) past any of these. Steps, values and
	 * sizes are the deterministic bounds (RAND-36, the largest built-in, takes about 10,000 steps,
	 * collections of 36); the clock is only the backstop, set well above any valid form's time on a
	 * loaded machine so that a valid form is never refused for being slow.
	 */
	evaluationSteps: 50_000,
	evaluationElements: 500_000,
	collectionSize: 1_000,
	stringLength: 10_000,
	evaluationMs: 1_000
} as const;

/**
 * The FHIRPath functions a definition may call: navigation, filtering, existence, arithmetic and
 * aggregates. Left out: regular expressions (a pattern can take exponential time), resolve(),
 * memberOf() and terminology (network), now()/today() (a score must not depend on the clock),
 * trace(), and repeat() (fhirpath.js recurses once per new value, so `(1).repeat($this + 1)` runs
 * until the stack breaks, outside the step budget's reach; descendants() walks the same tree and
 * ends with it).
 */
export const SUPPORTED_FUNCTIONS = [
	'empty', 'exists', 'all', 'allTrue', 'anyTrue', 'allFalse', 'anyFalse', 'subsetOf', 'supersetOf', 'count', 'distinct', 'isDistinct',
	'where', 'select', 'descendants', 'ofType', 'single', 'first', 'last', 'tail', 'skip', 'take', 'intersect', 'exclude', 'union', 'combine',
	'iif', 'not', 'sum', 'min', 'max', 'avg', 'aggregate',
	'abs', 'ceiling', 'exp', 'floor', 'ln', 'log', 'power', 'round', 'sqrt', 'truncate',
	'toInteger', 'toDecimal', 'toString', 'toBoolean', 'convertsToInteger', 'convertsToDecimal', 'convertsToBoolean', 'hasValue',
	'is', 'as', 'extension', 'weight', 'ordinal'
] as const;
const SUPPORTED = new Set<string>(SUPPORTED_FUNCTIONS);
const BUILT_IN_CONSTANTS = new Set(['resource', 'questionnaire', 'context']);
const ITEM_TYPES = new Set(['group', 'display', 'integer', 'decimal', 'choice']);
const LINK_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

interface AstNode {
	type: string;
	text?: string;
	children?: AstNode[];
}

/** JSON nesting depth, without recursion (a hostile file may nest thousands deep). */
function jsonDepth(root: unknown, limit: number): number {
	let max = 0;
	const stack: [unknown, number][] = [[root, 1]];
	while (stack.length > 0) {
		const [node, depth] = stack.pop()!;
		if (depth > max) max = depth;
		if (max > limit) return max;
		if (node !== null && typeof node === 'object') for (const child of Object.values(node)) stack.push([child, depth + 1]);
	}
	return max;
}

/** Parses a definition's text, refusing an oversized or malformed file with a message. */
export function parseDefinitionText(text: string): { ok: true; value: unknown } | { ok: false; problems: Problem[] } {
	if (text.length > LIMITS.definitionChars)
		return { ok: false, problems: [{ where: 'file', message: `the file is ${text.length.toLocaleString('en')} characters; the limit is ${LIMITS.definitionChars.toLocaleString('en')}` }] };
	try {
		return { ok: true, value: JSON.parse(text) };
	} catch (e) {
		return { ok: false, problems: [{ where: 'file', message: `not valid JSON: ${(e as Error).message}` }] };
	}
}

export function checkStructure(input: unknown): { ok: true; linkIds: Map<string, QItem> } | { ok: false; problems: Problem[] } {
	const problems: Problem[] = [];
	const fail = (where: string, message: string) => ({ ok: false as const, problems: [...problems, { where, message }] });
	if (!isObject(input) || input.resourceType !== 'Questionnaire') return fail('resourceType', 'the definition is not a FHIR Questionnaire (resourceType “Questionnaire”)');
	const depth = jsonDepth(input, LIMITS.jsonDepth);
	if (depth > LIMITS.jsonDepth) return fail('Questionnaire', `JSON is nested more than ${LIMITS.jsonDepth} levels deep`);
	if (input.item !== undefined && !Array.isArray(input.item)) return fail('Questionnaire.item', 'item must be a list');

	const linkIds = new Map<string, QItem>();
	let count = 0;
	const stack: { items: unknown[]; depth: number; path: string }[] = [{ items: (input.item as unknown[]) ?? [], depth: 1, path: 'Questionnaire' }];
	while (stack.length > 0) {
		const { items, depth: level, path } = stack.pop()!;
		for (const [i, raw] of items.entries()) {
			const where = `${path}.item[${i}]`;
			count += 1;
			if (count > LIMITS.items) return fail(where, `more than ${LIMITS.items} items`);
			if (level > LIMITS.itemDepth) return fail(where, `items are nested more than ${LIMITS.itemDepth} levels deep`);
			if (!isObject(raw)) {
				problems.push({ where, message: 'an item must be an object' });
				continue;
			}
			const item = raw as unknown as QItem;
			const name = typeof item.linkId === 'string' ? `item “${item.linkId}”` : where;
			if (typeof item.linkId !== 'string' || !LINK_ID.test(item.linkId)) {
				problems.push({ where, message: 'linkId must be 1–64 letters, digits, “.”, “_” or “-”' });
				continue;
			}
			if (linkIds.has(item.linkId)) problems.push({ where: name, message: `linkId “${item.linkId}” is used twice` });
			linkIds.set(item.linkId, item);
			if (!ITEM_TYPES.has(item.type)) problems.push({ where: name, message: `type “${String(item.type)}” is not supported (${[...ITEM_TYPES].join(', ')})` });
			const calculated = calculatedExpressionOf(item) !== undefined;
			if (item.type === 'choice') {
				const options = Array.isArray(item.answerOption) ? item.answerOption : [];
				if (options.length === 0) problems.push({ where: name, message: 'a choice item needs answerOption' });
				if (options.length > LIMITS.answerOptions) problems.push({ where: name, message: `more than ${LIMITS.answerOptions} answer options` });
				const numbers = options.map((o) => (isObject(o) ? optionNumber(o) : undefined));
				numbers.forEach((n, k) => {
					if (n === undefined) problems.push({ where: `${name}.answerOption[${k}]`, message: 'the option has no number (valueInteger, valueDecimal, or a coding with ordinalValue/itemWeight)' });
				});
				if (new Set(numbers).size !== numbers.length) problems.push({ where: name, message: 'two answer options have the same number' });
			} else if ((item.type === 'integer' || item.type === 'decimal') && !calculated && !Array.isArray(item.answerOption)) {
				const [min, max] = [extensionOf(item, URL.minValue), extensionOf(item, URL.maxValue)];
				if (!min || !max) problems.push({ where: name, message: 'an answered number needs minValue and maxValue' });
			}
			if (calculated && item.type !== 'integer' && item.type !== 'decimal') problems.push({ where: name, message: 'a calculated item must be of type integer or decimal' });
			if (Array.isArray(item.item)) stack.push({ items: item.item, depth: level + 1, path: name });
			else if (item.item !== undefined) problems.push({ where: name, message: 'item must be a list' });
		}
	}
	return problems.length > 0 ? { ok: false, problems } : { ok: true, linkIds };
}

/** Rough nesting of brackets, counted before parsing (the parser recurses). */
function nesting(expression: string): number {
	let depth = 0;
	let max = 0;
	for (const ch of expression) {
		if (ch === '(' || ch === '[' || ch === '{') max = Math.max(max, ++depth);
		else if (ch === ')' || ch === ']' || ch === '}') depth--;
	}
	return max;
}

const unquote = (literal: string) => literal.slice(1, -1).replace(/\\'/g, "'");

/**
 * Parses one expression and checks it: only supported functions, only variables defined before it
 * (in scope), and every linkId it compares with exists. Returns what it reads for dependency
 * tracking.
 */
export function vetExpression(
	expression: unknown,
	language: unknown,
	where: string,
	variables: Set<string>,
	linkIds: Map<string, QItem>
): { ok: true; linkIds: string[]; variables: string[] } | { ok: false; problems: Problem[] } {
	const fail = (message: string) => ({ ok: false as const, problems: [{ where, message }] });
	if (language !== 'text/fhirpath') return fail(`language must be “text/fhirpath” (is “${String(language)}”)`);
	if (typeof expression !== 'string' || expression.trim() === '') return fail('the expression is empty');
	if (expression.length > LIMITS.expressionChars) return fail(`the expression is longer than ${LIMITS.expressionChars} characters`);
	if (nesting(expression) > LIMITS.expressionNesting) return fail(`the expression nests brackets more than ${LIMITS.expressionNesting} deep`);
	let ast: AstNode;
	try {
		ast = fhirpath.parse(expression) as AstNode;
	} catch (e) {
		return fail(`the expression does not parse: ${(e as Error).message.split('\n')[0]}`);
	}
	const problems: Problem[] = [];
	const readLinkIds = new Set<string>();
	const readVariables = new Set<string>();
	let nodes = 0;
	// An expression that is only a list of strings ('1' | '2' | …) is a list of linkIds, kept in a
	// variable so that `where(linkId in %list)` does not rebuild it for every item (ten times faster
	// in fhirpath.js): each string must name an item.
	const stack: { node: AstNode; linkIdContext: boolean }[] = [{ node: ast, linkIdContext: isStringList(ast) }];
	while (stack.length > 0) {
		const { node, linkIdContext } = stack.pop()!;
		if (++nodes > LIMITS.expressionNodes) return fail(`the expression has more than ${LIMITS.expressionNodes} parts`);
		if (node.type === 'Functn') {
			const name = node.children?.[0]?.text ?? '';
			if (!SUPPORTED.has(name)) problems.push({ where, message: `function “${name}()” is not supported (see docs/instruments.md for the supported functions)` });
		}
		if (node.type === 'ExternalConstantTerm') {
			const name = (node.text ?? '').replace(/^[`']|[`']$/g, '');
			if (BUILT_IN_CONSTANTS.has(name)) {
				// %resource, %questionnaire, %context
			} else if (variables.has(name)) readVariables.add(name);
			else problems.push({ where, message: `“%${name}” is not defined here (define it as a variable earlier in scope)` });
		}
		// A string compared with linkId (=, !=, in) must name an item.
		let context = linkIdContext;
		if ((node.type === 'EqualityExpression' || node.type === 'MembershipExpression') && mentionsLinkId(node)) context = true;
		if (context && node.type === 'StringLiteral' && node.text) {
			const id = unquote(node.text);
			if (!linkIds.has(id)) problems.push({ where, message: `linkId “${id}” names no item` });
			readLinkIds.add(id);
		}
		for (const child of node.children ?? []) stack.push({ node: child, linkIdContext: context });
	}
	return problems.length > 0 ? { ok: false, problems } : { ok: true, linkIds: [...readLinkIds], variables: [...readVariables] };
}

const LIST_PARTS = new Set(['EntireExpression', 'UnionExpression', 'TermExpression', 'ParenthesizedTerm', 'LiteralTerm', 'StringLiteral']);

function isStringList(ast: AstNode): boolean {
	const stack = [ast];
	while (stack.length > 0) {
		const n = stack.pop()!;
		if (!LIST_PARTS.has(n.type)) return false;
		stack.push(...(n.children ?? []));
	}
	return true;
}

function mentionsLinkId(node: AstNode): boolean {
	const stack = [...(node.children ?? [])];
	while (stack.length > 0) {
		const n = stack.pop()!;
		if (n.type === 'Identifier' && n.text === 'linkId') return true;
		stack.push(...(n.children ?? []));
	}
	return false;
}
