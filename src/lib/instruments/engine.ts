/**
 * The one scoring engine: a FHIR R4 Questionnaire scored with SDC `variable` and
 * `calculatedExpression` extensions, evaluated by HL7's fhirpath.js (never eval, never code from
 * the definition). Pure: runs in the browser (live score) and on the server (which always re-scores).
 *
 * A definition is compiled once (structure checked, expressions parsed and vetted); a form is
 * scored by turning the answers (linkId → number) into a QuestionnaireResponse and evaluating the
 * expressions in document order under a budget, so a hostile expression cannot stall the caller.
 */
import fhirpath from 'fhirpath';
import r4 from 'fhirpath/fhir-context/r4';
import { checkStructure, LIMITS, vetExpression } from './structure';
import { calculatedExpressionOf, extensionOf, extensionsOf, isAnswerable, numberOf, optionNumber, URL, type QItem, type Questionnaire } from './fhir';
import type { Problem } from './definition';
import type { ItemError, ScoreResult } from './types';
import { checkAnswerValues, type AnswerSpec } from './answers';

type Evaluator = (resource: unknown, vars: Record<string, unknown>) => unknown[];

interface CompiledVariable {
	name: string;
	run: Evaluator;
	where: string;
}
interface CompiledNode {
	item: QItem;
	variables: CompiledVariable[];
	calculated?: { run: Evaluator; where: string; min?: number; max?: number; dependsOn: string[] };
	children: CompiledNode[];
}

export interface CompiledQuestionnaire {
	questionnaire: Questionnaire;
	rootVariables: CompiledVariable[];
	nodes: CompiledNode[];
	answerable: Map<string, AnswerSpec>;
	/** Linkids of calculated items, in document order. */
	calculated: string[];
}

/** Thrown by the budget: evaluation stopped, the form refused, the caller unharmed. */
class LimitExceeded extends Error {}

/** The budget of the form being scored (evaluation is synchronous, so one at a time). */
let budget: { steps: number; elements: number; started: number } | null = null;

function tick(result: unknown) {
	if (!budget) return;
	const size = Array.isArray(result) ? result.length : 1;
	budget.steps += 1;
	budget.elements += size;
	if (budget.steps > LIMITS.evaluationSteps) throw new LimitExceeded(`more than ${LIMITS.evaluationSteps} evaluation steps`);
	if (size > LIMITS.collectionSize) throw new LimitExceeded(`a collection of more than ${LIMITS.collectionSize} values`);
	if (budget.elements > LIMITS.evaluationElements) throw new LimitExceeded(`more than ${LIMITS.evaluationElements} values produced`);
	if (Array.isArray(result))
		for (const v of result) if (typeof v === 'string' && v.length > LIMITS.stringLength) throw new LimitExceeded(`a string longer than ${LIMITS.stringLength} characters`);
	if ((budget.steps & 127) === 0 && Date.now() - budget.started > LIMITS.evaluationMs) throw new LimitExceeded(`more than ${LIMITS.evaluationMs} ms`);
}

function compileExpression(expression: string): Evaluator {
	const fn = fhirpath.compile(expression, r4, { debugger: (_ctx, _focus, result) => tick(result) });
	return (resource, vars) => fn(resource, vars) as unknown[];
}

/**
 * Checks a definition's structure and expressions and compiles it. Problems name their place
 * (item linkId, extension, expression); nothing is evaluated here.
 */
export function compileQuestionnaire(input: unknown): { ok: true; compiled: CompiledQuestionnaire } | { ok: false; problems: Problem[] } {
	const structure = checkStructure(input);
	if (!structure.ok) return { ok: false, problems: structure.problems };
	const q = input as Questionnaire;
	const problems: Problem[] = [];
	const answerable = new Map<string, AnswerSpec>();
	const calculated: string[] = [];
	const calcDeps = new Map<string, Set<string>>();
	const varDeps = new Map<string, Set<string>>();

	const compileVars = (node: { extension?: unknown }, where: string, scope: Map<string, Set<string>>): CompiledVariable[] => {
		const out: CompiledVariable[] = [];
		for (const [i, ext] of extensionsOf(node, URL.variable).entries()) {
			const at = `${where}.variable[${i}]`;
			const name = ext.valueExpression?.name;
			const expression = ext.valueExpression?.expression;
			const vetted = vetExpression(expression, ext.valueExpression?.language, at, new Set(scope.keys()), structure.linkIds);
			if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name)) {
				problems.push({ where: at, message: 'the variable needs a name of letters, digits and “_”' });
				continue;
			}
			if (scope.has(name) || ['resource', 'questionnaire', 'context'].includes(name)) {
				problems.push({ where: at, message: `variable “${name}” is already defined here` });
				continue;
			}
			if (!vetted.ok) {
				// Known, so that its uses do not repeat the problem as “not defined”.
				scope.set(name, new Set());
				problems.push(...vetted.problems);
				continue;
			}
			const deps = new Set(vetted.linkIds);
			for (const v of vetted.variables) for (const d of scope.get(v) ?? []) deps.add(d);
			scope.set(name, deps);
			try {
				out.push({ name, run: compileExpression(expression!), where: at });
			} catch (e) {
				problems.push({ where: at, message: `expression does not compile: ${(e as Error).message}` });
			}
		}
		return out;
	};

	const rootScope = new Map<string, Set<string>>();
	const rootVariables = compileVars(q, 'Questionnaire', rootScope);
	for (const [k, v] of rootScope) varDeps.set(k, v);

	const compileItems = (items: QItem[] | undefined, scope: Map<string, Set<string>>): CompiledNode[] =>
		(items ?? []).map((item) => {
			const where = `item “${item.linkId}”`;
			const own = new Map(scope);
			const variables = compileVars(item, where, own);
			const node: CompiledNode = { item, variables, children: [] };
			const expression = calculatedExpressionOf(item);
			if (expression !== undefined) {
				const at = `${where}.calculatedExpression`;
				const ext = extensionOf(item, URL.calculatedExpression)!;
				const vetted = vetExpression(expression, ext.valueExpression?.language, at, new Set(own.keys()), structure.linkIds);
				if (!vetted.ok) problems.push(...vetted.problems);
				else {
					const deps = new Set(vetted.linkIds);
					for (const v of vetted.variables) for (const d of own.get(v) ?? []) deps.add(d);
					calcDeps.set(item.linkId, deps);
					try {
						node.calculated = {
							run: compileExpression(expression),
							where: at,
							min: numberOf(extensionOf(item, URL.minValue)),
							max: numberOf(extensionOf(item, URL.maxValue)),
							dependsOn: []
						};
						calculated.push(item.linkId);
					} catch (e) {
						problems.push({ where: at, message: `expression does not compile: ${(e as Error).message}` });
					}
				}
			} else if (isAnswerable(item)) {
				answerable.set(item.linkId, specOf(item));
			}
			node.children = compileItems(item.item, own);
			return node;
		});
	const nodes = compileItems(q.item, rootScope);
	if (problems.length > 0) return { ok: false, problems };

	// The answered items a calculated item depends on (through variables and other calculated
	// items), so a refusal can name the unanswered ones.
	const resolve = (linkId: string, seen = new Set<string>()): string[] => {
		const out = new Set<string>();
		for (const d of calcDeps.get(linkId) ?? []) {
			if (answerable.has(d)) out.add(d);
			else if (calcDeps.has(d) && !seen.has(d)) for (const x of resolve(d, new Set([...seen, linkId]))) out.add(x);
		}
		return [...out];
	};
	const order = [...answerable.keys()];
	const fill = (list: CompiledNode[]) => {
		for (const n of list) {
			if (n.calculated) n.calculated.dependsOn = resolve(n.item.linkId).sort((a, b) => order.indexOf(a) - order.indexOf(b));
			fill(n.children);
		}
	};
	fill(nodes);
	return { ok: true, compiled: { questionnaire: q, rootVariables, nodes, answerable, calculated } };
}

function specOf(item: QItem): AnswerSpec {
	const options = (item.answerOption ?? []).map((o) => ({ number: optionNumber(o), option: o }));
	return {
		linkId: item.linkId,
		type: item.type,
		required: item.required === true,
		min: numberOf(extensionOf(item, URL.minValue)),
		max: numberOf(extensionOf(item, URL.maxValue)),
		maxDecimalPlaces: numberOf(extensionOf(item, URL.maxDecimalPlaces)),
		options: options.filter((o): o is { number: number; option: typeof o.option } => o.number !== undefined)
	};
}

type ResponseItem = { linkId: string; answer?: Record<string, unknown>[]; item?: ResponseItem[] };

/**
 * Scores one form. Answers map linkIds to numbers (missing = null, undefined or absent). Refuses
 * an answer outside its item's options or range, a missing required item, a required calculated
 * item that yields nothing and a calculated value outside its minValue/maxValue.
 */
export function scoreQuestionnaire(
	c: CompiledQuestionnaire,
	answers: unknown,
	options: { labelOf?: (linkId: string) => string; answeredScores?: string[] } = {}
): ScoreResult {
	const labelOf = options.labelOf ?? ((l: string) => `Item ${l}`);
	if (answers === null || typeof answers !== 'object' || Array.isArray(answers)) return { ok: false, errors: [{ message: 'Answers are missing.' }] };
	const checked = checkAnswerValues(c.answerable, new Set(c.calculated), answers as Record<string, unknown>, labelOf);
	if (!checked.ok) return { ok: false, errors: checked.errors };
	const values = checked.values;

	// The response mirrors the questionnaire's tree; each answer carries the option's whole coding
	// where the option is one, so weight() finds its ordinalValue.
	const responseItems = new Map<string, ResponseItem>();
	const build = (list: CompiledNode[]): ResponseItem[] =>
		list.map((n) => {
			const r: ResponseItem = { linkId: n.item.linkId };
			const spec = c.answerable.get(n.item.linkId);
			const v = values.get(n.item.linkId);
			if (spec && v !== undefined) r.answer = [answerOf(spec, v)];
			if (n.children.length > 0) r.item = build(n.children);
			responseItems.set(n.item.linkId, r);
			return r;
		});
	const qr = { resourceType: 'QuestionnaireResponse', status: 'completed', item: build(c.nodes) };

	const scores: Record<string, number | null> = {};
	const errors: ItemError[] = [];
	budget = { steps: 0, elements: 0, started: Date.now() };
	let current = 'Questionnaire';
	try {
		const env: Record<string, unknown> = { resource: qr, questionnaire: c.questionnaire, context: qr };
		const runVars = (vars: CompiledVariable[], scope: Record<string, unknown>) => {
			for (const v of vars) {
				current = v.where;
				scope[v.name] = v.run(qr, scope);
			}
		};
		runVars(c.rootVariables, env);
		const visit = (list: CompiledNode[], scope: Record<string, unknown>) => {
			for (const n of list) {
				const own = n.variables.length > 0 ? { ...scope } : scope;
				runVars(n.variables, own);
				if (n.calculated) {
					current = n.calculated.where;
					const value = calculatedValue(n, n.calculated.run(qr, own), labelOf, values, errors);
					scores[n.item.linkId] = value;
					if (value !== null) responseItems.get(n.item.linkId)!.answer = [n.item.type === 'integer' ? { valueInteger: value } : { valueDecimal: value }];
				}
				visit(n.children, own);
			}
		};
		visit(c.nodes, env);
	} catch (e) {
		const reason = e instanceof LimitExceeded ? `evaluation stopped: ${e.message}` : `evaluation failed: ${(e as Error).message}`;
		return { ok: false, errors: [{ message: `The definition could not score this form: ${current}: ${reason}.` }] };
	} finally {
		budget = null;
	}
	if (errors.length > 0) return { ok: false, errors };
	// A score-only instrument's score is an answered item (our extension names it as a scale).
	for (const linkId of options.answeredScores ?? []) if (c.answerable.has(linkId)) scores[linkId] = values.get(linkId) ?? null;
	return { ok: true, scores };
}

function answerOf(spec: AnswerSpec, value: number): Record<string, unknown> {
	const option = spec.options.find((o) => o.number === value)?.option;
	if (option?.valueCoding) return { valueCoding: structuredClone(option.valueCoding) };
	if (spec.type === 'integer' || (option && option.valueInteger !== undefined)) return { valueInteger: value };
	return { valueDecimal: value };
}

function calculatedValue(
	n: CompiledNode,
	result: unknown[],
	labelOf: (linkId: string) => string,
	values: Map<string, number>,
	errors: ItemError[]
): number | null {
	const calc = n.calculated!;
	const linkId = n.item.linkId;
	if (result.length === 0) {
		if (n.item.required) {
			const missing = calc.dependsOn.filter((d) => !values.has(d));
			// A hidden calculated item is a rule about the whole form (e.g. "some scale scorable").
			const purpose = extensionOf(n.item, URL.hidden)?.valueBoolean === true ? 'to score this form' : `for ${labelOf(linkId)}`;
			if (missing.length > 0) for (const m of missing) errors.push({ item: m, message: `${labelOf(m)}: answer missing (needed ${purpose}).` });
			else errors.push({ item: linkId, message: `${labelOf(linkId)} cannot be scored from these answers.` });
		}
		return null;
	}
	const value = result[0];
	if (result.length > 1 || typeof value !== 'number' || !Number.isFinite(value)) {
		errors.push({ item: linkId, message: `${labelOf(linkId)}: the expression gave ${result.length > 1 ? `${result.length} values` : `“${String(value)}”`}, not one number.` });
		return null;
	}
	if ((calc.min !== undefined && value < calc.min) || (calc.max !== undefined && value > calc.max)) {
		errors.push({ item: linkId, message: `${labelOf(linkId)}: ${value} is outside its range ${calc.min ?? '−∞'} to ${calc.max ?? '∞'}.` });
		return null;
	}
	if (n.item.type === 'integer' && !Number.isInteger(value)) {
		errors.push({ item: linkId, message: `${labelOf(linkId)}: ${value} is not a whole number.` });
		return null;
	}
	return value;
}

export { LIMITS };
