/**
 * The completion matrix of one condition: for each time point of its current schedule and each
 * instrument, how many patients had their chance (the window closed, or they did it already) and
 * how many did it. In SQL: each live response is placed in the time point whose window holds it
 * (windows never overlap); patients are counted per time point from their enrolment dates.
 * Researchers get cells of fewer than k patients suppressed; nobody gets names or dates here.
 */
import { sql } from 'drizzle-orm';
import { executeRows, type Db } from '../db';
import { MAX_WEEK } from '../../schedule';
import { currentPointsSql } from './due';

export interface CompletionCell {
	instrumentId: string;
	/** Patients whose window has closed, or who did it early; null when suppressed (n < k). */
	eligible: number | null;
	done: number | null;
}

export interface ConditionCompletion {
	windowWeeks: number;
	points: { week: number; repeat: boolean; cells: CompletionCell[] }[];
}

/** The matrix on `today`; `k` > 0 hides cells of fewer than k patients (0: nothing hidden, for clinicians). */
export async function conditionCompletion(db: Db, conditionCode: string, today: string, k: number): Promise<ConditionCompletion | null> {
	// JIT off for this statement alone, as for the due list (due.ts says why).
	const rows = await db.transaction(async (tx) => {
		await tx.execute(sql`set local jit = off`);
		return executeRows(
		tx,
		sql`with ${currentPointsSql()},
		c as (select * from cur where condition_code = ${conditionCode}),
		pat as (select pa.id, pa.enrolled_on from patients pa where pa.condition_code = ${conditionCode} and not pa.archived),
		weeks as (
			select pt.week, pt.instruments, false as repeat from pts pt join c on pt.schedule_id = c.id
			union all
			-- Repeats up to the last one whose window has opened for the earliest-enrolled patient.
			select pt.week + k.k * c.n, pt.instruments, true
			from c join pts pt on pt.schedule_id = c.id and pt.last and c.n is not null
			cross join lateral generate_series(1,
				least(floor(((${today}::date - (select min(enrolled_on) from pat)) - (pt.week - c.w) * 7) / (7.0 * c.n)), (${MAX_WEEK} - pt.week) / c.n)::int
			) as k(k)
		), cells as (
			select wk.week, wk.repeat, i.instrument, i.ord from weeks wk cross join lateral unnest(wk.instruments) with ordinality as i(instrument, ord)
		), hits as (
			-- Each patient who recorded the instrument in a time point's window, and whether that window is still open.
			select distinct pat.id, wk.week, r.instrument_id, pat.enrolled_on + (wk.week + c.w) * 7 >= ${today}::date as still_open
			from pat join visits v on v.patient_id = pat.id and not v.voided
			join responses r on r.visit_id = v.id
			cross join c
			join weeks wk on r.instrument_id = any(wk.instruments)
				and v.visit_date between pat.enrolled_on + (wk.week - c.w) * 7 and pat.enrolled_on + (wk.week + c.w) * 7
		), done as (
			select week, instrument_id, count(*)::int as done, count(*) filter (where still_open)::int as done_open from hits group by week, instrument_id
		)
		select cl.week, cl.repeat, cl.instrument, (select w from c) as w,
			(select count(*) from pat, c where pat.enrolled_on + (cl.week + c.w) * 7 < ${today}::date)::int + coalesce(d.done_open, 0) as eligible,
			coalesce(d.done, 0) as done
		from cells cl left join done d on d.week = cl.week and d.instrument_id = cl.instrument
		order by cl.week, cl.ord`
		);
	});
	if (rows.length === 0) return null;
	const points: ConditionCompletion['points'] = [];
	for (const r of rows) {
		const week = Number(r.week);
		let point = points.at(-1);
		if (!point || point.week !== week) points.push((point = { week, repeat: Boolean(r.repeat), cells: [] }));
		const eligible = Number(r.eligible);
		const hidden = k > 0 && eligible < k;
		point.cells.push({ instrumentId: String(r.instrument), eligible: hidden ? null : eligible, done: hidden ? null : Number(r.done) });
	}
	return { windowWeeks: Number(rows[0]!.w), points };
}
