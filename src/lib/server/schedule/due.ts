/**
 * Who is due: every patient (not archived) whose condition has a schedule, at each time point
 * whose window meets today … today + 7 days, with the instruments not yet recorded in the window.
 * One statement, in SQL: the time points near today are found from each patient's enrolment date
 * by arithmetic (a range on enrolled_on for the listed weeks, one division for the repeats), so
 * only the few patients near a time point are checked against their visits. The rules are those
 * of $lib/schedule (an integration test compares both on a hand-built calendar).
 */
import { sql, type SQL } from 'drizzle-orm';
import { executeRows, type Db } from '../db';
import { addDays, dueState, DUE_HORIZON_DAYS, MAX_WEEK, type DueState } from '../../schedule';

export interface DueRow {
	patientId: string;
	clinicRef: string;
	name: string;
	condition: string;
	week: number;
	repeat: boolean;
	target: string;
	opens: string;
	closes: string;
	state: DueState;
	/** Not yet recorded in this time point's window, in the schedule's order. */
	instruments: string[];
}

export interface DueList {
	total: number;
	rows: DueRow[];
}

/** The current version of every condition's schedule, and its points (`last` marks the one that repeats). */
export function currentPointsSql(): SQL {
	return sql`cur as (
		select distinct on (s.condition_code) s.id, s.condition_code, s.window_weeks as w, s.repeat_every_weeks as n
		from follow_up_schedules s order by s.condition_code, s.version desc
	), pts as (
		select p.schedule_id, p.week, p.instruments, p.week = max(p.week) over (partition by p.schedule_id) as last
		from follow_up_schedule_points p join cur on cur.id = p.schedule_id
	)`;
}

const asDate = (v: unknown) => (v instanceof Date ? v.toISOString().slice(0, 10) : String(v).slice(0, 10));

/** The due list on `today` (YYYY-MM-DD), most overdue first; `limit` rows of `total`. */
export async function dueList(db: Db, today: string, options: { limit?: number; offset?: number; conditionCode?: string } = {}): Promise<DueList> {
	const horizon = addDays(today, DUE_HORIZON_DAYS);
	const limit = options.limit ?? 200;
	const offset = options.offset ?? 0;
	const onlyCondition = options.conditionCode ? sql`and c.condition_code = ${options.conditionCode}` : sql``;
	// PostgreSQL's estimate of this statement is far above its real cost, which would switch JIT
	// compilation on (seconds, for a query that runs in tens of milliseconds): off for it alone.
	const rows = await db.transaction(async (tx) => {
		await tx.execute(sql`set local jit = off`);
		return executeRows(
		tx,
		sql`with ${currentPointsSql()},
		cand as (
			-- The listed weeks: the window [enrolled + 7(week - w), enrolled + 7(week + w)] meets [today, horizon].
			select pa.id as patient_id, pt.week, pt.instruments, c.w, false as repeat
			from cur c join pts pt on pt.schedule_id = c.id
			join patients pa on pa.condition_code = c.condition_code and not pa.archived
			where pa.enrolled_on >= ${today}::date - (pt.week + c.w) * 7 and pa.enrolled_on <= ${horizon}::date - (pt.week - c.w) * 7 ${onlyCondition}
			union all
			-- The repeats last + k·n (k ≥ 1) whose window meets [today, horizon]: the k in range, by division.
			select pa.id, pt.week + (b.first + k.k) * c.n, pt.instruments, c.w, true
			from cur c join pts pt on pt.schedule_id = c.id and pt.last and c.n is not null
			join patients pa on pa.condition_code = c.condition_code and not pa.archived
			-- At most two repeats can meet an eight-day span (repeats are more than two windows apart).
			cross join lateral (select greatest(1, ceil(((${today}::date - pa.enrolled_on) - (pt.week + c.w) * 7) / (7.0 * c.n)))::int as first,
				least(floor(((${horizon}::date - pa.enrolled_on) - (pt.week - c.w) * 7) / (7.0 * c.n)), (${MAX_WEEK} - pt.week) / c.n)::int as last) as b
			cross join (values (0), (1)) as k(k)
			where pa.enrolled_on <= ${horizon}::date - (pt.week + c.n - c.w) * 7 and b.first + k.k <= b.last ${onlyCondition}
		), open as (
			-- Each instrument of those time points that no live visit in the window recorded (one probe per time point).
			select cand.patient_id, cand.week, cand.repeat, cand.w, i.instrument, i.ord, pa.enrolled_on + cand.week * 7 as target
			from cand join patients pa on pa.id = cand.patient_id
			cross join lateral (
				select coalesce(array_agg(r.instrument_id), '{}') as recorded
				from visits v join responses r on r.visit_id = v.id
				where v.patient_id = cand.patient_id and not v.voided
					and v.visit_date between pa.enrolled_on + (cand.week - cand.w) * 7 and pa.enrolled_on + (cand.week + cand.w) * 7
			) as got
			cross join lateral unnest(cand.instruments) with ordinality as i(instrument, ord)
			where not (i.instrument = any(got.recorded))
		), grouped as (
			select patient_id, week, repeat, w, target, array_agg(instrument order by ord) as instruments, count(*) over () as total
			from open group by patient_id, week, repeat, w, target
			order by target, patient_id limit ${limit} offset ${offset}
		)
		select g.patient_id, g.week, g.repeat, g.w, g.target::text as target, g.instruments, g.total::int as total,
			pa.clinic_ref, pa.name, co.label as condition
		from grouped g join patients pa on pa.id = g.patient_id join conditions co on co.code = pa.condition_code
		order by g.target, g.patient_id`
		);
	});
	let total = rows.length > 0 ? Number(rows[0]!.total) : 0;
	if (rows.length === 0 && offset > 0) total = (await dueList(db, today, { ...options, limit: 1, offset: 0 })).total;
	return {
		total,
		rows: rows.map((r) => {
			const target = asDate(r.target);
			const w = Number(r.w);
			const window = { target, opens: addDays(target, -7 * w), closes: addDays(target, 7 * w) };
			return {
				patientId: String(r.patient_id),
				clinicRef: String(r.clinic_ref),
				name: String(r.name),
				condition: String(r.condition),
				week: Number(r.week),
				repeat: Boolean(r.repeat),
				...window,
				state: dueState(window, false, today) ?? 'due',
				instruments: r.instruments as string[]
			};
		})
	};
}
