/** The scoring engine loaded on first use, once per page (the browser's live score). */
import type { Answers, ScoreResult } from './types';

export type Scorer = (instrumentId: string, answers: Answers) => ScoreResult;

let loading: Promise<Scorer> | undefined;

export function loadScorer(): Promise<Scorer> {
	loading ??= import('./index').then((m) => m.scoreResponse);
	return loading;
}
