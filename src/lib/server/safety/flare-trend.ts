/**
 * The flare-rate trend by month in treatment ($lib/safety/flare-trend has the rules): the database
 * returns, per condition, how many patients have each length of follow-up and how many flare
 * onsets fall in each month — a few hundred rows at any cohort size, nothing per patient.
 */
import { sql } from 'drizzle-orm';
import { executeRows, type Db } from '../db';
import { buildFlareTrend, type FlareTrend } from '../../safety/flare-trend';
import { andConditions, cohortCte, type SafetyQuery } from './cohort';

const num = (x: unknown) => Number(x ?? 0);

export async function flareTrend(db: Db, q: SafetyQuery, k: number): Promise<FlareTrend[]> {
	// One statement: rows of kind 'f' are follow-up lengths (value = days) with their patients, from
	// the cohort's summary rows; rows of kind 'o' onsets per month (value = month), from
	// patient_flare_months, where the database keeps each patient's onsets by the month onsetMonth
	// gives (⌊d / MONTH_DAYS⌋, never past the patient's last month with time; migration 0033).
	const rows = await executeRows(
		db,
		sql`with ${cohortCte(q)}
			select 'f' as kind, v.condition_code, (v.last_visit - v.baseline)::int as value, count(*)::int as n
			from v
			group by v.condition_code, value
			union all
			select 'o', m.condition_code, m.month, sum(m.onsets)::int
			from patient_flare_months m
			where true ${andConditions(q, 'm')}
			group by m.condition_code, m.month`
	);
	const of = (kind: string) => rows.filter((r) => r.kind === kind);
	return buildFlareTrend(
		of('f').map((r) => ({ condition: String(r.condition_code), days: num(r.value), patients: num(r.n) })),
		of('o').map((r) => ({ condition: String(r.condition_code), month: num(r.value), onsets: num(r.n) })),
		k
	);
}
