/** The patients a safety figure counts, shared by every safety query (figures.ts, flare-trend.ts). */
import { sql, type SQL } from 'drizzle-orm';
import { executeRows, type Db } from '../db';
import { patientSelection } from '../patients';

export interface SafetyQuery {
	/** Condition codes; none = all. */
	conditions: string[];
}

/**
 * Patients (p), their live visits' totals (v) — one CTE list shared by every safety query. v is
 * read from `patient_safety_summary` (one row per patient with a live visit: live visits,
 * sessions, visits asked about adverse events, first and last live visit date), which the
 * database keeps exact on every write (migration 0033, safety_summaries_rules), instead of
 * aggregating every visit per request (docs/performance.md, "Safety figures").
 */
export function cohortCtes(q: SafetyQuery): SQL {
	const where = patientSelection({ conditions: q.conditions });
	return sql`p as (
			select p.id, p.condition_code from patients p ${where.length ? sql`where ${sql.join(where, sql` and `)}` : sql``}
		),
		v as (
			select s.patient_id, s.visits, s.sessions, s.asked, s.baseline, s.last_visit
			from patient_safety_summary s join p on p.id = s.patient_id
		)`;
}

/**
 * PostgreSQL's estimates of these aggregates are far above their real cost at clinic scale, which
 * switches JIT compilation on: at 20,000 patients 0.1–0.9 s of compiling for queries that run in
 * 0.2–0.3 s (docs/performance.md, "Safety figures"). Off for them alone, as for the due list.
 */
export function rowsWithoutJit(db: Db, query: SQL) {
	return db.transaction(async (tx) => {
		await tx.execute(sql`set local jit = off`);
		return executeRows(tx, query);
	});
}
