/**
 * Verifies a definition before use: structure and expressions (engine), our extension
 * (definition), then every worked example run and compared with its expected scores or refusal.
 * A definition is usable only when this reports no problem and every example passes.
 */
import { readDefinition, type Problem } from './definition';
import { compileQuestionnaire, scoreQuestionnaire } from './engine';
import { parseDefinitionText } from './structure';
import type { InstrumentDef, ScoreResult, WorkedExample } from './types';

export interface ExampleOutcome {
	name: string;
	pass: boolean;
	/** One line: what was expected and what came out. */
	detail: string;
	result: ScoreResult;
	ms: number;
}

export interface Verification {
	ok: boolean;
	problems: Problem[];
	examples: ExampleOutcome[];
	def?: InstrumentDef;
}

const show = (v: number | null | undefined) => (v === null || v === undefined ? 'not scorable' : String(v));

function runExample(def: InstrumentDef, ex: WorkedExample, score: (answers: unknown) => ScoreResult): ExampleOutcome {
	const started = performance.now();
	const result = score(ex.answers);
	const ms = performance.now() - started;
	const out = (pass: boolean, detail: string): ExampleOutcome => ({ name: ex.name, pass, detail, result, ms });
	const reasons = (r: ScoreResult) => (r.ok ? '' : r.errors.map((e) => (e.item ? `${e.item}: ${e.message}` : e.message)).join('; '));
	if (ex.refused !== undefined) {
		if (result.ok) return out(false, `expected a refusal (${ex.refused}), but it scored ${JSON.stringify(result.scores)}`);
		if (ex.refusedItems) {
			const named = new Set(result.errors.map((e) => e.item).filter((i): i is string => i !== undefined));
			const want = new Set(ex.refusedItems);
			if (named.size !== want.size || [...want].some((i) => !named.has(i)))
				return out(false, `refused naming ${[...named].join(', ') || 'no item'}; expected ${[...want].join(', ')} (${reasons(result)})`);
		}
		return out(true, `refused as expected: ${reasons(result)}`);
	}
	if (!result.ok) return out(false, `expected scores, but it was refused: ${reasons(result)}`);
	const failures: string[] = [];
	for (const [key, want] of Object.entries(ex.scores ?? {})) {
		if (!(key in result.scores)) failures.push(`“${key}” is not a score of this definition`);
		const got = result.scores[key];
		if (want === null || got === null || got === undefined) {
			if (want !== (got ?? null)) failures.push(`${key}: expected ${show(want)}, got ${show(got)}`);
		} else if (!(Math.abs(got - want) <= ex.tolerance)) failures.push(`${key}: expected ${want} ± ${ex.tolerance}, got ${got}`);
	}
	for (const scale of def.scales) {
		const got = result.scores[scale.key];
		if (typeof got === 'number' && (got < scale.min || (scale.max !== null && got > scale.max)))
			failures.push(`${scale.key} = ${got} is outside its declared range ${scale.min} to ${scale.max ?? '∞'}`);
	}
	if (failures.length > 0) return out(false, failures.join('; '));
	return out(true, Object.entries(result.scores).map(([k, v]) => `${k} ${show(v)}`).join(', '));
}

/** Checks a parsed definition completely: problems (with their place) and every example's outcome. */
export function verifyDefinition(input: unknown): Verification {
	const compiled = compileQuestionnaire(input);
	if (!compiled.ok) return { ok: false, problems: compiled.problems, examples: [] };
	const { def, problems } = readDefinition(compiled.compiled.questionnaire);
	if (problems.length > 0) return { ok: false, problems, examples: [], def };
	const labels = new Map(def.items.map((i) => [i.key, i.label]));
	const score = (answers: unknown) =>
		scoreQuestionnaire(compiled.compiled, answers, { labelOf: (l) => labels.get(l) ?? `Item ${l}`, answeredScores: def.scales.map((s) => s.key) });
	const examples = def.examples.map((ex) => runExample(def, ex, score));
	return { ok: examples.every((e) => e.pass), problems: [], examples, def };
}

/** The same from a file's text (size checked before parsing). */
export function verifyDefinitionText(text: string): Verification {
	const parsed = parseDefinitionText(text);
	if (!parsed.ok) return { ok: false, problems: parsed.problems, examples: [] };
	return verifyDefinition(parsed.value);
}
