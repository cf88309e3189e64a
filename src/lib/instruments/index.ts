/**
 * The instrument registry with scoring: every instrument is a FHIR Questionnaire (definitions/)
 * scored by one engine (engine.ts), shared by the server (which always re-scores) and the browser
 * (live scores while typing, loaded lazily). Facts and sources: instruments.md; format:
 * docs/instruments.md.
 */
import { compileQuestionnaire, scoreQuestionnaire, type CompiledQuestionnaire } from './engine';
import { getInstrument } from './registry';
import type { Answers, InstrumentDef, ScoreResult } from './types';

export * from './registry';

const compiled = new WeakMap<InstrumentDef, CompiledQuestionnaire>();

/** The definition compiled once; a built-in that does not compile is a bug the unit tests catch. */
export function compiledFor(def: InstrumentDef): CompiledQuestionnaire {
	let c = compiled.get(def);
	if (!c) {
		const result = compileQuestionnaire(def.questionnaire);
		if (!result.ok) throw new Error(`Instrument ${def.id} does not compile: ${result.problems.map((p) => `${p.where}: ${p.message}`).join('; ')}`);
		c = result.compiled;
		compiled.set(def, c);
	}
	return c;
}

/** Scores a form with a definition: only its declared scales, unrounded; never clamps. */
export function scoreWith(def: InstrumentDef, answers: unknown): ScoreResult {
	const labels = new Map(def.items.map((i) => [i.key, i.label]));
	const scaleLabels = new Map(def.scales.map((s) => [s.key, s.label]));
	const result = scoreQuestionnaire(compiledFor(def), answers, {
		labelOf: (linkId) => labels.get(linkId) ?? scaleLabels.get(linkId) ?? `Item ${linkId}`,
		answeredScores: def.scales.map((s) => s.key)
	});
	if (!result.ok) return result;
	return { ok: true, scores: Object.fromEntries(def.scales.map((s) => [s.key, result.scores[s.key] ?? null])) };
}

/** Scores item answers by the instrument's published rule; unrounded; never clamps. */
export function scoreResponse(instrumentId: string, answers: Answers): ScoreResult {
	const def = getInstrument(instrumentId);
	if (!def) return { ok: false, errors: [{ message: `Unknown instrument “${instrumentId}”.` }] };
	return scoreWith(def, answers);
}
