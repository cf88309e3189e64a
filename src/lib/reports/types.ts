/**
 * The evidence report's contract (issue 20): a pre-registered analysis plan, as written through
 * `POST /api/plans`, and the report's JSON at `GET /api/reports/<planId>`. The plan store and
 * pages (src/lib/server/plans) and the report engine (src/lib/server/reports) share these types.
 */

/** An outcome: one scale of one instrument (instrument id and scale key as in the registry). */
export type OutcomeRef = { instrument: string; scale: string };

/** The follow-up time point: weeks since baseline with a window (nearest value to the target), or a visit number (baseline = visit 1). */
export type Timepoint = { weeks: number; window_weeks: number } | { visit: number };

export type PrimaryPopulation = 'completers' | 'carried_forward';

/** A plan as written (the body that is hashed when locked). Dates are ISO `YYYY-MM-DD`. */
export type PlanBody = {
	title: string;
	/** Condition codes (conditions.code). */
	conditions: string[];
	enrolled_from?: string;
	enrolled_to?: string;
	/** At least this many treatment sessions recorded (sum of visits' sessions) up to the time point. */
	min_sessions?: number;
	primary: OutcomeRef;
	timepoint: Timepoint;
	secondary: OutcomeRef[];
	/** Responder threshold in scale units; absent = the instrument's MCID for that scale. */
	responder_threshold?: number;
	primary_population: PrimaryPopulation;
};

export type Interval = { n: number; rate: number; ci_low: number; ci_high: number };

export type Result =
	| {
			n: number;
			baseline_mean: number;
			followup_mean: number;
			change_mean: number;
			change_sd: number;
			ci_low: number;
			ci_high: number;
			p_value: number;
			/** Null when every change is the same (the SD of change is 0). */
			dz: number | null;
			dz_ci_low: number | null;
			dz_ci_high: number | null;
			/** Null when every change is 0. */
			wilcoxon_p: number | null;
			/** Null when the outcome has neither a plan threshold nor an MCID. */
			improved: Interval | null;
			worsened: Interval | null;
	  }
	| { suppressed: true };

export type ReportJson = {
	plan: { id: string; version: number; sha256: string; locked_at: string };
	/** A count is null when withheld: below k, or differing from the last count shown by 1..k−1 (see report detail). */
	flow: { eligible: number | null; with_baseline: number | null; reached_timepoint: number | null; with_followup: number | null };
	primary: OutcomeRef & { completers: Result; carried_forward: Result };
	secondary: (OutcomeRef & { completers: Result; carried_forward: Result; p_holm: number | null })[];
};

// ——— The engine's additions (src/lib/server/reports/compute.ts): everything the page draws. ———

export type Suppressed = { suppressed: true };

/** n, mean (SD), median (IQR) of a group's values. */
export type ContinuousCell = { n: number; mean: number; sd: number | null; median: number; q1: number; q3: number } | Suppressed;
/** A category's count and its share of the group. */
export type CountCell = { n: number; share: number } | Suppressed;

/** Completers against those lost to follow-up (reached the time point, no value), primary outcome. */
export type BaselineTable = {
	groups: { completers: number | null; lost: number | null };
	continuous: { key: string; label: string; completers: ContinuousCell; lost: ContinuousCell; smd: number | null }[];
	categorical: { variable: 'age_band' | 'sex'; level: string; completers: CountCell; lost: CountCell; smd: number | null }[];
};

/** One patient's change per bar, sorted (no identifiers); above 2,000 patients, 2,000 evenly spaced order statistics. */
export type Waterfall = { changes: number[]; sampled: boolean; n: number } | Suppressed;
/** (baseline, follow-up) per patient, in order of change (no identifiers); sampled like the waterfall. */
export type Pairs = { points: [number, number][]; sampled: boolean; n: number } | Suppressed;

export type MeanChange = { n: number; baseline_mean: number; change_mean: number; ci_low: number | null; ci_high: number | null } | Suppressed;

/** Regression to the mean: change of patients whose baseline was worse than the median against the rest. */
export type RegressionToMean = { median: number; worse: MeanChange; better: MeanChange } | Suppressed;

/** Change by treatment sessions (up to the time point): Spearman's rho with a Fisher-z interval, and mean change per session count. */
export type SessionsChange = {
	rho: { n: number; rho: number; ci_low: number; ci_high: number; p: number } | Suppressed | null;
	groups: { sessions: number; change: MeanChange }[];
};

export type OutcomeInfo = OutcomeRef & {
	name: string;
	scale_label: string;
	/** How the page names the outcome: the instrument's short name, with the scale's label when it has several scales. */
	label: string;
	higher_is_better: boolean;
	/** The responder threshold used (scale units) and where it came from. */
	threshold: number | null;
	threshold_source: 'plan' | 'mcid' | null;
	mcid_population: string | null;
};

export type ReportDetail = {
	k: number;
	/** The day the report was computed for (patients not yet due at the time point by then are not missing). Not shown to researchers as a patient date: it is today. */
	as_of: string;
	/** Patients of the plan's conditions and enrolment period, before the sessions rule (null when withheld). */
	enrolled: number | null;
	/** The lost at each step of the flow (null when withheld). */
	lost: { not_eligible: number | null; no_baseline: number | null; not_reached: number | null; no_followup: number | null };
	outcomes: OutcomeInfo[];
	baseline: BaselineTable;
	waterfall: Waterfall;
	pairs: Pairs;
	regression_to_mean: RegressionToMean;
	sessions: SessionsChange;
};

/** What computeReport returns: the JSON plus the detail the page draws. */
export type EvidenceReport = ReportJson & { detail: ReportDetail };
