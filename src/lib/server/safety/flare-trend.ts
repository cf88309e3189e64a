/**
 * The flare-rate trend by month in treatment ($lib/safety/flare-trend has the rules): the database
 * returns, per condition, how many patients have each length of follow-up and how many flare
 * onsets fall in each month — a few hundred rows at any cohort size, nothing per patient.
 */
import { sql } from 'drizzle-orm';
import { executeRows, type Db } from '../db';
import { buildFlareTrend, MONTH_DAYS, type FlareTrend } from '../../safety/flare-trend';
import { cohortCte, type SafetyQuery } from './cohort';

const num = (x: unknown) => Number(x ?? 0);
// A numeric literal (not a parameter, which could be read as an integer): 30.4375 is exact in both.
const L = sql.raw(String(MONTH_DAYS));

export async function flareTrend(db: Db, q: SafetyQuery, k: number): Promise<FlareTrend[]> {
	// One statement, so the cohort's visits are aggregated once: rows of kind 'f' are follow-up
	// lengths (value = days) with their patients, rows of kind 'o' onsets per month (value = month),
	// the month as onsetMonth computes it: ⌊d / L⌋, but never past the patient's last month with time.
	const rows = await executeRows(
		db,
		sql`with ${cohortCte(q)}
			select 'f' as kind, v.condition_code, (v.last_visit - v.baseline)::int as value, count(*)::int as n
			from v
			group by v.condition_code, value
			union all
			select 'o', v.condition_code,
				least(floor((f.onset_on - v.baseline) / ${L}), ceil((v.last_visit - v.baseline) / ${L}) - 1)::int as value,
				count(*)::int
			from flare_episodes f join v on v.patient_id = f.patient_id
			where not f.voided and f.onset_on >= v.baseline and f.onset_on <= v.last_visit and v.last_visit > v.baseline
			group by v.condition_code, 3`
	);
	const of = (kind: string) => rows.filter((r) => r.kind === kind);
	return buildFlareTrend(
		of('f').map((r) => ({ condition: String(r.condition_code), days: num(r.value), patients: num(r.n) })),
		of('o').map((r) => ({ condition: String(r.condition_code), month: num(r.value), onsets: num(r.n) })),
		k
	);
}
