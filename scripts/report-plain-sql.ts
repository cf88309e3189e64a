/**
 * The report's counts and moments computed a second way, in plain SQL only, for the benchmark
 * (and a test) to hold the engine against: per patient and outcome by LATERAL subqueries (no
 * window functions, no numbering), then counts, means, SDs and responder counts aggregated in
 * SQL. The same definitions as src/lib/server/reports/panel.ts, written independently; weeks
 * time points only. The numbers it gives must equal the engine's (`comparableNumbers`).
 */
import { sql } from 'drizzle-orm';
import { executeRows, type Db } from '../src/lib/server/db';
import { MCID_TOLERANCE } from '../src/lib/stats';
import type { EvidenceReport, OutcomeInfo, PlanBody, Result } from '../src/lib/reports/types';

export interface PlainNumbers {
	flow: { enrolled: number; eligible: number; with_baseline: number; reached: number; with_followup: number };
	outcomes: {
		completers: { n: number; baseline_mean: number | null; followup_mean: number | null; change_mean: number | null; change_sd: number | null; improved: number | null; worsened: number | null };
		carried_forward: PlainNumbers['outcomes'][number]['completers'];
	}[];
}

export async function plainReportNumbers(db: Db, plan: PlanBody, outcomes: OutcomeInfo[], asOf: string): Promise<PlainNumbers> {
	if (!('weeks' in plan.timepoint)) throw new Error('plain SQL: weeks time points only');
	const { weeks, window_weeks } = plan.timepoint;
	const lo = (weeks - window_weeks) * 7;
	const hi = (weeks + window_weeks) * 7;
	const target = weeks * 7;
	const o = sql.join(
		outcomes.map((x, i) => sql`(${i}::int, ${x.instrument}::text, ${x.scale}::text, ${x.threshold}::float8, ${x.higher_is_better ? 1 : -1}::int)`),
		sql`, `
	);
	const conditions = sql.join(
		plan.conditions.map((c) => sql`${c}`),
		sql`, `
	);
	const rows = await executeRows(
		db,
		sql`
		with o(idx, instrument_id, scale, threshold, dir) as (values ${o}),
		pat as (
			select id from patients
			where condition_code in (${conditions})
				${plan.enrolled_from ? sql`and enrolled_on >= ${plan.enrolled_from}::date` : sql``}
				${plan.enrolled_to ? sql`and enrolled_on <= ${plan.enrolled_to}::date` : sql``}
		),
		-- Every lookup goes to the tables through their indexes (visits by patient, responses by
		-- visit, scores by response), once per patient and outcome.
		per as (
			select pat.id, o.idx, o.threshold, o.dir, bl.value as base,
				(select rs.value from visits v
					join responses r on r.visit_id = v.id and r.instrument_id = o.instrument_id
					join response_scores rs on rs.response_id = r.id and rs.scale = o.scale
					where v.patient_id = pat.id and not v.voided and rs.value is not null
						and (v.visit_date, v.created_at, v.id) > (bl.visit_date, bl.created_at, bl.visit_id)
						and v.visit_date - bl.visit_date between ${lo}::int and ${hi}::int
					order by abs(v.visit_date - bl.visit_date - ${target}::int), v.visit_date desc, v.created_at desc, v.id desc
					limit 1) as fu,
				bl.visit_id is not null and (
					bl.visit_date + ${hi}::int <= ${asOf}::date
					or exists (select 1 from visits v where v.patient_id = pat.id and not v.voided
						and (v.visit_date, v.created_at, v.id) > (bl.visit_date, bl.created_at, bl.visit_id) and v.visit_date - bl.visit_date >= ${lo}::int)
				) as reached,
				case when bl.visit_id is null
					then (select coalesce(sum(v.acupuncture_sessions), 0) from visits v where v.patient_id = pat.id and not v.voided)
					else (select coalesce(sum(v.acupuncture_sessions), 0) from visits v where v.patient_id = pat.id and not v.voided
						and (v.visit_date, v.created_at, v.id) > (bl.visit_date, bl.created_at, bl.visit_id) and v.visit_date - bl.visit_date <= ${hi}::int)
				end as sessions
			from pat cross join o
			left join lateral (
				select rs.value, v.visit_date, v.created_at, v.id as visit_id from visits v
				join responses r on r.visit_id = v.id and r.instrument_id = o.instrument_id
				join response_scores rs on rs.response_id = r.id and rs.scale = o.scale
				where v.patient_id = pat.id and not v.voided and rs.value is not null
				order by v.visit_date, v.created_at, v.id limit 1
			) bl on true
		),
		eligible as (
			select id from per where idx = 0 ${plan.min_sessions !== undefined ? sql`and sessions >= ${plan.min_sessions}::int` : sql``}
		),
		pop as (
			select per.idx, per.threshold, per.dir, 'completers' as population, per.base, per.fu from per join eligible using (id) where per.base is not null and per.fu is not null
			union all
			select per.idx, per.threshold, per.dir, 'carried_forward', per.base, coalesce(per.fu, per.base) from per join eligible using (id) where per.base is not null and per.reached
		)
		select 'outcome' as kind, idx, population, count(*)::int as n, avg(base)::float8 as baseline_mean, avg(fu)::float8 as followup_mean,
			avg(fu - base)::float8 as change_mean, stddev_samp(fu - base)::float8 as change_sd,
			case when max(threshold) is null then null else count(*) filter (where dir * (fu - base) >= threshold - ${MCID_TOLERANCE}::float8) end::int as improved,
			case when max(threshold) is null then null else count(*) filter (where -dir * (fu - base) >= threshold - ${MCID_TOLERANCE}::float8) end::int as worsened
		from pop group by idx, population
		union all
		select 'flow', null, null, (select count(*) from pat)::int, (select count(*) from eligible)::float8,
			(select count(*) from per join eligible using (id) where idx = 0 and base is not null)::float8,
			(select count(*) from per join eligible using (id) where idx = 0 and reached)::float8,
			(select count(*) from per join eligible using (id) where idx = 0 and fu is not null)::float8, null, null
		order by 1, 2, 3`
	);
	const flowRow = rows.find((r) => r.kind === 'flow')!;
	const empty = { n: 0, baseline_mean: null, followup_mean: null, change_mean: null, change_sd: null, improved: null, worsened: null };
	const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
	const get = (idx: number, population: string) => {
		const r = rows.find((x) => x.kind === 'outcome' && Number(x.idx) === idx && x.population === population);
		if (!r) return empty;
		return { n: Number(r.n), baseline_mean: num(r.baseline_mean), followup_mean: num(r.followup_mean), change_mean: num(r.change_mean), change_sd: num(r.change_sd), improved: num(r.improved), worsened: num(r.worsened) };
	};
	return {
		flow: {
			enrolled: Number(flowRow.n),
			eligible: Number(flowRow.baseline_mean),
			with_baseline: Number(flowRow.followup_mean),
			reached: Number(flowRow.change_mean),
			with_followup: Number(flowRow.change_sd)
		},
		outcomes: outcomes.map((_, i) => ({ completers: get(i, 'completers'), carried_forward: get(i, 'carried_forward') }))
	};
}

/** The engine's report reduced to the numbers the plain SQL gives (withheld results as null). */
export function comparableNumbers(report: EvidenceReport): { flow: (number | null)[]; outcomes: unknown[] } {
	const of = (r: Result) =>
		'suppressed' in r
			? null
			: { n: r.n, baseline_mean: r.baseline_mean, followup_mean: r.followup_mean, change_mean: r.change_mean, change_sd: r.change_sd, improved: r.improved?.n ?? null, worsened: r.worsened?.n ?? null };
	return {
		flow: [report.detail.enrolled, report.flow.eligible, report.flow.with_baseline, report.flow.reached_timepoint, report.flow.with_followup],
		outcomes: [report.primary, ...report.secondary].map((o) => ({ completers: of(o.completers), carried_forward: of(o.carried_forward) }))
	};
}

/** The plain numbers shaped like `comparableNumbers`, with the engine's withheld results withheld here too. */
export function plainComparable(plain: PlainNumbers, engine: ReturnType<typeof comparableNumbers>): { flow: (number | null)[]; outcomes: unknown[] } {
	const f = plain.flow;
	return {
		flow: [f.enrolled, f.eligible, f.with_baseline, f.reached, f.with_followup].map((n, i) => (engine.flow[i] === null ? null : n)),
		outcomes: plain.outcomes.map((o, i) => {
			const e = engine.outcomes[i] as { completers: unknown; carried_forward: unknown };
			return { completers: e.completers === null ? null : o.completers, carried_forward: e.carried_forward === null ? null : o.carried_forward };
		})
	};
}
