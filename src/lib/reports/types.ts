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
			dz: number;
			dz_ci_low: number;
			dz_ci_high: number;
			wilcoxon_p: number;
			improved: Interval;
			worsened: Interval;
	  }
	| { suppressed: true };

export type ReportJson = {
	plan: { id: string; version: number; sha256: string; locked_at: string };
	flow: { eligible: number; with_baseline: number; reached_timepoint: number; with_followup: number };
	primary: OutcomeRef & { completers: Result; carried_forward: Result };
	secondary: (OutcomeRef & { completers: Result; carried_forward: Result; p_holm: number | null })[];
};
