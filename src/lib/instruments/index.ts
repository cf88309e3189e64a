/**
 * The instrument registry: pure definitions and scoring, shared by the server (which always
 * re-scores) and the browser (live scores while typing). Facts and sources: instruments.md.
 */
import { das28Crp, das28Esr } from './das28';
import { fss9 } from './fss9';
import { hbi } from './hbi';
import { checkAnswers } from './items';
import { mfis21, mfis5 } from './mfis';
import { painNrs, painVas } from './pain';
import { promisGh10 } from './promis-gh10';
import { rand36 } from './rand36';
import { SCORE_ONLY } from './score-only';
import type { Answers, InstrumentDef, ScoreResult } from './types';
import { who5 } from './who5';

export type * from './types';
export { roundHalfUp } from './rounding';

export const INSTRUMENTS: readonly InstrumentDef[] = [
	fss9, mfis21, mfis5, painNrs, painVas, who5, rand36, promisGh10, das28Esr, das28Crp, hbi, ...SCORE_ONLY
];

const byId = new Map(INSTRUMENTS.map((d) => [d.id, d]));

export function getInstrument(id: string): InstrumentDef | undefined {
	return byId.get(id);
}

/** Scores item answers by the instrument's published rule; unrounded; never clamps. */
export function scoreResponse(instrumentId: string, answers: Answers): ScoreResult {
	const def = byId.get(instrumentId);
	if (!def) return { ok: false, errors: [{ message: `Unknown instrument “${instrumentId}”.` }] };
	if (answers === null || typeof answers !== 'object') return { ok: false, errors: [{ message: 'Answers are missing.' }] };
	const { values, errors } = checkAnswers(def.items, answers);
	if (errors.length > 0) return { ok: false, errors };
	return def.score(values);
}

/** The source's category band for a score, where the source defines bands. */
export function categoryFor(instrumentId: string, scale: string, value: number): string | null {
	const bands = byId.get(instrumentId)?.categories?.[scale];
	if (!bands) return null;
	for (const [i, band] of bands.entries()) {
		const last = i === bands.length - 1;
		if (value >= band.min && (value < band.max || (last && value <= band.max))) return band.label;
	}
	return null;
}
