/** Shapes shared by every instrument definition. Pure: runs in the browser and on the server. */
export type Construct = 'fatigue' | 'pain' | 'quality_of_life' | 'disease_activity';

export interface ItemDef {
	key: string;
	/** Item number and a short domain label of our own; never the instrument's wording. */
	label: string;
	min: number;
	max: number;
	/** 1 = whole numbers; 0.1 = one decimal; … */
	step: number;
	unit?: string;
	/** The allowed codes in our own words, e.g. "1–7". */
	codes?: string;
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
	/** Scores complete, valid answers (already range-checked); null values are missing items. */
	score(values: Record<string, number | null>): ScoreResult;
}
