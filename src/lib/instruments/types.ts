/** Shapes shared by every instrument definition. Pure: runs in the browser and on the server. */
import type { Questionnaire } from './fhir';

export const CONSTRUCTS = ['fatigue', 'pain', 'quality_of_life', 'disease_activity', 'mood', 'function'] as const;
export type Construct = (typeof CONSTRUCTS)[number];

export interface ItemDef {
	key: string;
	/** Item number and a short domain label of our own; never the instrument's wording. */
	label: string;
	/** The instrument's wording, only when a clinic that holds the licence loaded it. */
	text?: string;
	min: number;
	max: number;
	/** 1 = whole numbers; 0.1 = one decimal; … */
	step: number;
	unit?: string;
	/** The allowed codes in our own words, e.g. "1–7". */
	codes?: string;
	/** The only values allowed, when the item has answer options. */
	options?: number[];
}

export interface ScaleDef {
	key: string;
	label: string;
	min: number;
	max: number | null;
	higherIsBetter: boolean;
	/** Decimals shown (stored values are unrounded). */
	decimals: number;
}

export interface Mcid {
	scale: string;
	value: number;
	population: string;
	source: string;
}

export interface CategoryBand {
	label: string;
	/** Inclusive lower bound; upper bound exclusive except for the last band. */
	min: number;
	max: number;
}

export type Answers = Record<string, number | null | undefined>;
export type ItemError = { item?: string; message: string };
export type ScoreResult =
	| { ok: true; scores: Record<string, number | null> }
	| { ok: false; errors: ItemError[] };

export interface InstrumentDef {
	id: string;
	version: string;
	scoringVersion: string;
	name: string;
	shortName: string;
	construct: Construct;
	kind: 'items' | 'score_only';
	items: ItemDef[];
	scales: ScaleDef[];
	/** In plain words; says whether it is the published rule or our documented local choice. */
	missingRule: string;
	mcid: Mcid[];
	licence: { class: 'A' | 'A*' | 'B' | 'C'; note: string };
	sources: string[];
	categories?: Record<string, CategoryBand[]>;
	/** Answers with the scores they must give (or the refusal they must meet): checked before use. */
	examples: WorkedExample[];
	/** The FHIR Questionnaire this was read from; the scoring engine evaluates it. */
	questionnaire: Questionnaire;
}

export interface WorkedExample {
	name: string;
	answers: Answers;
	/** Expected scores by scale (null = not scorable); absent when the answers must be refused. */
	scores?: Record<string, number | null>;
	/** Largest allowed difference between a computed and an expected score. */
	tolerance: number;
	/** Why the answers must be refused; the items the refusal must name, when given. */
	refused?: string;
	refusedItems?: string[];
}
