/**
 * How many patients already had a follow-up value for a plan's primary outcome: recorded when the
 * plan is locked, so a reader can see how much of the data existed before the analysis was fixed.
 *
 * Counted as the report counts "follow-up value recorded": the plan's conditions and enrolment
 * period; baseline = the patient's first non-voided visit with a value of the scale; the follow-up
 * = a later such visit within the window around the target week (days since baseline between
 * 7 × (weeks − window) and 7 × (weeks + window)), or the visit of that number (baseline = 1).
 * The minimum number of sessions is left out: this counts the data that existed, not the analysis.
 */
import { sql } from 'drizzle-orm';
import { executeRows, type Db } from '../db';
import { patientSelection } from '../patients';
import type { PlanBody } from '../../reports/types';

export async function countFollowups(db: Db, plan: PlanBody): Promise<number> {
	const selection = patientSelection({ conditions: plan.conditions, enrolledFrom: plan.enrolled_from, enrolledTo: plan.enrolled_to });
	const tp = plan.timepoint;
	const reached =
		'visit' in tp
			? sql`visit_number = ${tp.visit}::int`
			: sql`visit_number > 1 and (visit_date - baseline_date) between ${7 * (tp.weeks - tp.window_weeks)}::int and ${7 * (tp.weeks + tp.window_weeks)}::int`;
	const [row] = await executeRows(
		db,
		sql`with scored as (
				select v.patient_id, v.visit_date, v.created_at, v.id as visit_id
				from response_scores rs
				join responses r on r.id = rs.response_id
				join visits v on v.id = r.visit_id and not v.voided
				join patients p on p.id = v.patient_id
				where ${sql.join([sql`rs.instrument_id = ${plan.primary.instrument}`, sql`rs.scale = ${plan.primary.scale}`, sql`rs.value is not null`, ...selection], sql` and `)}
			), numbered as (
				select patient_id, visit_date,
					row_number() over w as visit_number,
					first_value(visit_date) over w as baseline_date
				from scored
				window w as (partition by patient_id order by visit_date, created_at, visit_id)
			)
			select count(distinct patient_id)::int as n from numbered where ${reached}`
	);
	return Number(row?.n ?? 0);
}
