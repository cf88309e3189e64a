/** The patients a safety figure counts, shared by every safety query (figures.ts, flare-trend.ts). */
import { sql, type SQL } from 'drizzle-orm';

export interface SafetyQuery {
	/** Condition codes; none = all. */
	conditions: string[];
}

/**
 * The cohort (v): one row per patient of the chosen conditions with at least one live visit —
 * condition, live visits, sessions, visits asked about adverse events, first (baseline) and last
 * live visit date, live flare onsets between them before and after day EARLY_DAYS. Read from `patient_safety_summary`, which the database keeps exact on every
 * write (migration 0033, safety_summaries_rules), instead of aggregating every visit per request
 * (docs/performance.md, "Safety figures"). Not materialised: each query filters it as it needs.
 */
export function cohortCte(q: SafetyQuery): SQL {
	return sql`v as not materialized (
			select s.patient_id, s.condition_code, s.visits, s.sessions, s.asked, s.baseline, s.last_visit, s.early_flares, s.later_flares
			from patient_safety_summary s where true ${andConditions(q, 's')}
		)`;
}

/** `and <alias>.condition_code in (…)` for the chosen conditions; nothing for all. */
export function andConditions(q: SafetyQuery, alias: string): SQL {
	return q.conditions.length ? sql`and ${sql.raw(alias)}.condition_code in (${sql.join(q.conditions.map((c) => sql`${c}`), sql`, `)})` : sql``;
}
