/**
 * The report's one SQL statement: for every patient of the plan's conditions and enrolment period
 * and every outcome of the plan, the baseline, the follow-up value, whether the time point was
 * reached, and the sessions up to it. Visits, responses and scores — the large tables — are
 * reduced here, in the database, to one row per patient and outcome; the statistics that need
 * every value (ranks, medians) are computed from those rows (src/lib/reports/assemble.ts).
 *
 * Definitions (the report states them in words):
 * - a patient's visits are the non-voided ones, numbered 1, 2, 3… by date, then entry order;
 * - baseline (per outcome): the first of them with a value of the outcome's scale;
 * - weeks time point: of the later visits with a value, those whose days since baseline lie in
 *   [(weeks − window) × 7, (weeks + window) × 7]; the one nearest weeks × 7 days is taken (of two
 *   equally near, the later); visit time point: the value at the visit numbered `visit`, counting
 *   the baseline visit as 1 (every non-voided visit counts, with or without the outcome);
 * - reached (weeks): a later visit on or after the window's start, or the window closed by
 *   `as_of`; reached (visit): the patient has that many visits from baseline;
 * - sessions: acupuncture sessions recorded at the visits after baseline up to the time point
 *   (weeks: to the window's end; visit: to that visit); `sessions_all`: at all visits.
 *
 * No identifier leaves the statement: rows come `order by patient, outcome`, every patient with
 * one row per outcome, so a patient is a run of rows.
 */
import { sql, type SQL } from 'drizzle-orm';
import { executeRows, isPostgres, type Db } from '../db';
import { patientSelection } from '../patients';
import type { OutcomeRef, PlanBody } from '../../reports/types';
import { emptyPanel, type Panel, type PanelRow } from '../../reports/assemble';

export type { Panel, PanelRow };

/** The plan's outcomes in report order: primary (0), then the secondaries. */
export function planOutcomes(plan: PlanBody): OutcomeRef[] {
	return [plan.primary, ...plan.secondary];
}

/** A part of the patients by id (from inclusive, to exclusive): the panel is read in parts in parallel. */
export interface IdRange {
	from?: string;
	to?: string;
}

/**
 * The plan's patients: its conditions and enrolment period — or, with `allPeriods` (the edge rule,
 * $lib/reports/assemble), its conditions in every period, with `inside` saying which are in the
 * period. `quarter`: the enrolment quarter as year × 4 + 0..3 (as the cohort's).
 */
function selectPatients(plan: PlanBody, allPeriods: boolean, part: IdRange = {}): { where: SQL; quarter: SQL; inside: SQL } {
	const period = { enrolledFrom: plan.enrolled_from, enrolledTo: plan.enrolled_to };
	const selection = [
		...patientSelection({ conditions: plan.conditions, ...(allPeriods ? {} : period) }),
		...(part.from ? [sql`p.id >= ${part.from}::uuid`] : []),
		...(part.to ? [sql`p.id < ${part.to}::uuid`] : [])
	];
	const where = selection.length ? sql.join(selection, sql` and `) : sql`true`;
	const quarter = sql`(extract(year from e.enrolled_on)::int * 4 + extract(quarter from e.enrolled_on)::int - 1)`;
	const bounds = [
		...(plan.enrolled_from ? [sql`e.enrolled_on >= ${plan.enrolled_from}::date`] : []),
		...(plan.enrolled_to ? [sql`e.enrolled_on <= ${plan.enrolled_to}::date`] : [])
	];
	const inside = allPeriods && bounds.length ? sql`(${sql.join(bounds, sql` and `)})` : sql`true`;
	return { where, quarter, inside };
}

/**
 * Days since 2000-01-01 as a number: a visit's position in weeks mode. One live visit per patient
 * and date (the unique index visits_one_live_per_date) makes the date alone order a patient's
 * visits, so the numbering by date, then entry order, is the date's order.
 */
const DAY = sql`(v.visit_date - date '2000-01-01')`;

/**
 * The panel's rows from its CTEs (elig, o, b, fu, and `l`: each patient's last live visit date and
 * sessions), the same for both forms: what differs is how the baseline's date is written, when the
 * time point is reached, and where the primary outcome's sessions come from (`sessions`, with the
 * joins it needs in `joins`).
 */
function panelRows(p: { quarter: SQL; inside: SQL; baseDate: SQL; reached: SQL; sessions: SQL; joins: SQL }): SQL {
	return sql`select o.idx, e.sex, e.condition_code as condition, ${p.quarter} as quarter, ${p.inside} as inside,
			extract(year from age(coalesce(${p.baseDate}, e.enrolled_on), e.date_of_birth))::int as age,
			coalesce(l.sessions_all, 0) as sessions_all,
			b.base_value::float8 as base, f.fu_value::float8 as fu,
			coalesce(${p.reached}, false) as reached,
			case when o.idx = 0 then ${p.sessions} end as sessions
		from elig e cross join o
		left join b on b.idx = o.idx and b.patient_id = e.id
		left join fu f on f.idx = o.idx and f.patient_id = e.id
		${p.joins}
		order by e.id, o.idx`;
}

/**
 * How it runs (20,000 patients: 5 s in its first form, sorts of 800,000 values spilling to disk):
 * every step is a hash join or a hash aggregate, no sort. A patient's baseline on a scale is the
 * minimum of [position, day, value] arrays (arrays compare element by element), the follow-up the
 * minimum of [distance from the target, −day, value] over the values in the window (so the later
 * of two equally near wins), and "reached" comes from the patient's last visit: days only grow
 * along a patient's visits, so a later visit on or after the window's start exists exactly when
 * the last one is.
 */
export function panelFromVisits(plan: PlanBody, asOf: string | null, allPeriods = false, part: IdRange = {}): SQL {
	const outcomes = planOutcomes(plan);
	const o = sql.join(
		outcomes.map((x, i) => sql`(${i}::int, ${x.instrument}::text, ${x.scale}::text)`),
		sql`, `
	);
	const { where, quarter, inside } = selectPatients(plan, allPeriods, part);
	const tp = plan.timepoint;
	const byVisit = 'visit' in tp;
	// A visit's position: its day (weeks mode) or its number among the patient's live visits.
	const visits = byVisit
		? sql`select v.patient_id, v.acupuncture_sessions as sessions, ${DAY} as day, v.id,
				row_number() over (partition by v.patient_id order by v.visit_date) as pos
			from visits v join elig e on e.id = v.patient_id where not v.voided`
		: sql`select v.patient_id, v.acupuncture_sessions as sessions, ${DAY} as day, v.id, ${DAY} as pos
			from visits v join elig e on e.id = v.patient_id where not v.voided`;
	let inWindow: SQL, rank: SQL, upTo: SQL, reached: SQL;
	if (!byVisit) {
		const target = tp.weeks * 7;
		const lo = (tp.weeks - tp.window_weeks) * 7;
		const hi = (tp.weeks + tp.window_weeks) * 7;
		const asOfDay = asOf ? sql`(${asOf}::date - date '2000-01-01')` : sql`(current_date - date '2000-01-01')`;
		inWindow = sql`x.pos > b.base_pos and x.day - b.base_day between ${lo}::int and ${hi}::int`;
		rank = sql`array[abs(x.day - b.base_day - ${target}::int)::float8, -x.day::float8, x.value]`;
		upTo = sql`v.day - b.base_day <= ${hi}::int`;
		reached = sql`(l.last_pos > b.base_pos and l.last_day - b.base_day >= ${lo}::int) or b.base_day + ${hi}::int <= ${asOfDay}`;
	} else {
		inWindow = sql`x.pos = b.base_pos + ${tp.visit - 1}::int`;
		rank = sql`array[0::float8, 0::float8, x.value]`;
		upTo = sql`v.pos - b.base_pos + 1 <= ${tp.visit}::int`;
		reached = sql`l.last_pos - b.base_pos + 1 >= ${tp.visit}::int`;
	}
	return sql`
		with o(idx, instrument_id, scale) as (values ${o}),
		elig as (
			select p.id, p.sex, p.condition_code, p.date_of_birth, p.enrolled_on from patients p where ${where}
		),
		v as materialized (${visits}),
		vals as materialized (
			select o.idx, v.patient_id, v.pos, v.day, rs.value
			from v
			join responses r on r.visit_id = v.id
			join response_scores rs on rs.response_id = r.id and rs.instrument_id = r.instrument_id
			join o on o.instrument_id = rs.instrument_id and o.scale = rs.scale
			where rs.value is not null
		),
		first as (
			select idx, patient_id, min(array[pos::float8, day::float8, value]) as a from vals group by idx, patient_id
		),
		b as (
			select idx, patient_id, a[1]::int as base_pos, a[2]::int as base_day, a[3] as base_value from first
		),
		fu as (
			select x.idx, x.patient_id, (min(${rank}))[3] as fu_value
			from vals x join b on b.idx = x.idx and b.patient_id = x.patient_id
			where ${inWindow}
			group by x.idx, x.patient_id
		),
		last as (
			select patient_id, max(pos)::int as last_pos, max(day)::int as last_day, sum(sessions)::int as sessions_all from v group by patient_id
		),
		primary_sessions as (
			select b.patient_id, coalesce(sum(v.sessions) filter (where v.pos > b.base_pos and ${upTo}), 0)::int as sessions
			from b join v on v.patient_id = b.patient_id
			where b.idx = 0
			group by b.patient_id
		)
		${panelRows({
			quarter,
			inside,
			baseDate: sql`date '2000-01-01' + b.base_day`,
			reached: sql`b.base_pos is not null and (${reached})`,
			sessions: sql`ps.sessions`,
			joins: sql`left join last l on l.patient_id = e.id left join primary_sessions ps on ps.patient_id = e.id`
		})}`;
}

/**
 * A weeks time point from the rollup's `patient_series` (each patient's baseline per scale, kept
 * in the same transaction as every clinical write, by the same definition: ../cohort/rollup.ts):
 * only the visits inside the windows are read for scores, instead of every score of every visit.
 * The same rows as `panelFromVisits` (the integration test holds them equal; the benchmark holds
 * both to the plain SQL).
 *
 * How it runs (20,000 patients, 80,000 patient × outcome pairs; docs/performance.md): the values
 * inside the windows come from `score_values` (every score of a live visit by patient,
 * instrument, scale and date, kept by the database's triggers: migration 0035), one index-only
 * range per patient and outcome; each patient's last live visit and sessions from the safety
 * figures' `patient_safety_summary` (kept the same way: migration 0033), and the primary outcome's
 * sessions (from its baseline to the window's end) from a range of the patient's live visits.
 */
export function panelFromSeries(plan: PlanBody, asOf: string | null, allPeriods = false, part: IdRange = {}): SQL {
	const tp = plan.timepoint;
	if (!('weeks' in tp)) throw new Error('panelFromSeries: weeks time points only');
	const outcomes = planOutcomes(plan);
	const o = sql.join(
		outcomes.map((x, i) => sql`(${i}::int, ${x.instrument}::text, ${x.scale}::text)`),
		sql`, `
	);
	const { where, quarter, inside } = selectPatients(plan, allPeriods, part);
	const target = tp.weeks * 7;
	const lo = (tp.weeks - tp.window_weeks) * 7;
	const hi = (tp.weeks + tp.window_weeks) * 7;
	// Follow-up values come from later visits than the baseline: the window starts on day 1 at the earliest.
	const from = Math.max(lo, 1);
	const asOfDate = asOf ? sql`${asOf}::date` : sql`current_date`;
	return sql`
		with o(idx, instrument_id, scale) as (values ${o}),
		elig as (
			select p.id, p.sex, p.condition_code, p.date_of_birth, p.enrolled_on from patients p where ${where}
		),
		b as materialized (
			select o.idx, o.instrument_id, o.scale, s.patient_id, s.base_value, s.base_date
			from patient_series s
			join o on o.instrument_id = s.instrument_id and o.scale = s.scale
			join elig e on e.id = s.patient_id
		),
		fu as (
			select b.idx, b.patient_id, (min(array[abs((sv.visit_date - b.base_date) - ${target}::int)::float8, -(sv.visit_date - date '2000-01-01')::float8, sv.value]))[3] as fu_value
			from b
			join score_values sv on sv.patient_id = b.patient_id and sv.instrument_id = b.instrument_id and sv.scale = b.scale
				and sv.visit_date between b.base_date + ${from}::int and b.base_date + ${hi}::int
			group by b.idx, b.patient_id
		),
		l as (
			select s.patient_id, s.last_visit as last_date, s.sessions as sessions_all,
				case when b.base_date is not null then (
					select coalesce(sum(v.acupuncture_sessions), 0)::int from visits v
					where v.patient_id = s.patient_id and not v.voided and v.visit_date > b.base_date and v.visit_date <= b.base_date + ${hi}::int
				) end as sessions
			from patient_safety_summary s
			join elig e on e.id = s.patient_id
			left join b on b.patient_id = s.patient_id and b.idx = 0
		)
		${panelRows({
			quarter,
			inside,
			baseDate: sql`b.base_date`,
			reached: sql`b.base_date is not null and ((l.last_date > b.base_date and l.last_date - b.base_date >= ${lo}::int) or b.base_date + ${hi}::int <= ${asOfDate})`,
			sessions: sql`l.sessions`,
			joins: sql`left join l on l.patient_id = e.id`
		})}`;
}

/** The panel's statement: from the rollup's series for a weeks time point, from the visits for a visit number. */
export function panelSql(plan: PlanBody, asOf: string | null, allPeriods = false, part: IdRange = {}): SQL {
	return 'weeks' in plan.timepoint ? panelFromSeries(plan, asOf, allPeriods, part) : panelFromVisits(plan, asOf, allPeriods, part);
}

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/**
 * On PostgreSQL the panel is read in two halves of the patients (by id: ids are random) at once,
 * on two connections, so that both cores of a small server work on one report (the statement
 * runs on one core, and PostgreSQL's own parallel query cannot split its CTEs). Each half is one
 * statement, so each patient's rows come from one snapshot; the halves start together, and a
 * write landing between their starts counts in one half as if the report had been asked a moment
 * earlier or later. Rows come back in id order, the first half's first.
 */
const HALF = '80000000-0000-0000-0000-000000000000';

/** The panel's rows, typed (both drivers give numbers already; converted when not). */
export async function readPanel(db: Db, plan: PlanBody, asOf: string | null, allPeriods = false): Promise<PanelRow[]> {
	const pg = await isPostgres(db);
	const read = (part: IdRange) =>
		db.transaction(async (tx) => {
			// The hash tables of 800,000 values (20,000 patients, 4 outcomes) spill to disk at the
			// default 4 MB. JIT compiles ~100 expressions for 50 ms that the statement never earns
			// back, and memoizing the window lookups finds nothing to reuse (each patient and outcome
			// is looked up once). PostgreSQL only: PGlite's memory is the WebAssembly heap.
			if (pg) await tx.execute(sql`select set_config('work_mem', '64MB', true), set_config('jit', 'off', true), set_config('enable_memoize', 'off', true)`);
			return executeRows(tx, panelSql(plan, asOf, allPeriods, part));
		});
	const rows = pg ? (await Promise.all([read({ to: HALF }), read({ from: HALF })])).flat() : await read({});
	return rows.map((r) => ({
		idx: Number(r.idx),
		sex: String(r.sex),
		condition: String(r.condition),
		age: num(r.age),
		sessions_all: Number(r.sessions_all),
		base: num(r.base),
		fu: num(r.fu),
		reached: r.reached === true || r.reached === 't',
		sessions: num(r.sessions),
		quarter: Number(r.quarter),
		inside: r.inside === true || r.inside === 't'
	}));
}

/**
 * A locked version's panel, kept from now on by the database (migration 0039 `report_panels`,
 * schema report-panels.ts): its choices, then its rows for every patient of its conditions, in the
 * lock's transaction. Answers how many patients of the plan's enrolment period already have a
 * follow-up value of the primary outcome (the figure the lock records).
 */
export async function keepPanel(tx: Db, versionId: string, plan: PlanBody): Promise<{ followups: number }> {
	const outcomes = planOutcomes(plan);
	const tp = plan.timepoint;
	const weeks = 'weeks' in tp ? { target: tp.weeks * 7, from: (tp.weeks - tp.window_weeks) * 7, to: (tp.weeks + tp.window_weeks) * 7 } : null;
	const textArray = (xs: string[]) => sql`array[${sql.join(xs.map((x) => sql`${x}`), sql`, `)}]::text[]`;
	await tx.execute(sql`insert into report_panels (version_id, conditions, instruments, scales, target_day, from_day, to_day, visit)
		values (${versionId}::uuid, ${textArray(plan.conditions)}, ${textArray(outcomes.map((o) => o.instrument))}, ${textArray(outcomes.map((o) => o.scale))},
			${weeks?.target ?? null}::int, ${weeks?.from ?? null}::int, ${weeks?.to ?? null}::int, ${'visit' in tp ? tp.visit : null}::int)`);
	await tx.execute(sql`select report_panel_fill(${versionId}::uuid)`);
	const period = [
		...(plan.enrolled_from ? [sql`enrolled_on >= ${plan.enrolled_from}::date`] : []),
		...(plan.enrolled_to ? [sql`enrolled_on <= ${plan.enrolled_to}::date`] : [])
	];
	const [row] = await executeRows(
		tx,
		sql`select count(*)::int as n from report_panel_rows where version_id = ${versionId}::uuid and fu[1] is not null${period.length ? sql` and ${sql.join(period, sql` and `)}` : sql``}`
	);
	return { followups: Number(row?.n ?? 0) };
}

/**
 * The panel's rows from a kept version (null when the version is not kept): the same rows as
 * `panelSql` (the integration tests hold them equal; `age` is the primary outcome's on every row
 * of a patient, where panelSql gives each outcome's — the report reads the primary's only). The
 * enrolment period and "reached" by the window's close are applied here, as they depend on who
 * asks and on the day asked.
 *
 * Each kept row carries its `line`, written with it: the patient's fields tab-separated, arrays
 * comma-separated. The read is one index range joined into one text (in the index's order: an
 * aggregate's own ORDER BY would sort the range again, 4× the time at 20,000 patients on
 * PostgreSQL 15), and parsing it is a split
 * and a Number per value, where rows of ten columns and four arrays cost postgres.js several
 * times as much, and formatting them per read the database too (docs/performance.md). Condition
 * codes and sexes hold neither tabs nor commas (CHECKs conditions_code_format, patients_sex_known);
 * float8 prints as the shortest text that reads back to the same number; dates as YYYY-MM-DD,
 * which compare as text in date order.
 */
export async function readKeptPanel(db: Db, versionId: string, plan: PlanBody, asOf: string | null, allPeriods = false): Promise<Panel | null> {
	const period = [
		...(plan.enrolled_from ? [sql`r.enrolled_on >= ${plan.enrolled_from}::date`] : []),
		...(plan.enrolled_to ? [sql`r.enrolled_on <= ${plan.enrolled_to}::date`] : [])
	];
	const where = !allPeriods && period.length ? sql` and ${sql.join(period, sql` and `)}` : sql``;
	const pg = await isPostgres(db);
	const [packed] = await db.transaction(async (tx) => {
		// A range of a few hundred thousand rows costs near PostgreSQL's JIT threshold (92,700 at
		// 200,000 patients, against 100,000): compiling would cost more than the scan it speeds.
		if (pg) await tx.execute(sql`select set_config('jit', 'off', true)`);
		return executeRows(
			tx,
			sql`select exists (select 1 from report_panels where version_id = ${versionId}::uuid) as kept,
					(select string_agg(r.line, E'\n') from (
						select r.line from report_panel_rows r where r.version_id = ${versionId}::uuid${where} order by r.patient_id
					) r) as rows`
		);
	});
	const O = planOutcomes(plan).length;
	if (!packed || !(packed.kept === true || packed.kept === 't')) return null;
	if (packed.rows === null || packed.rows === '') return emptyPanel(0, O);
	const today = asOf ?? new Date().toISOString().slice(0, 10);
	const from = plan.enrolled_from ?? '';
	const to = plan.enrolled_to ?? '9999-12-31';
	const lines = String(packed.rows).split('\n');
	const p = emptyPanel(lines.length, O);
	const value = (x: string | undefined) => (x === undefined || x === '' ? Number.NaN : Number(x));
	for (let i = 0; i < lines.length; i++) {
		const f = lines[i]!.split('\t');
		p.sex[i] = f[0]!;
		p.condition[i] = f[1]!;
		p.age[i] = value(f[2]);
		p.sessionsAll[i] = Number(f[3]);
		p.sessions[i] = value(f[4]);
		p.quarter[i] = Number(f[5]);
		p.inside[i] = f[6]! >= from && f[6]! <= to ? 1 : 0;
		const base = f[7]!.split(',');
		const fu = f[8]!.split(',');
		const reached = f[9]!;
		const due = f[10]!.split(',');
		for (let j = 0; j < O; j++) {
			const b = value(base[j]);
			p.base[i * O + j] = b;
			p.fu[i * O + j] = value(fu[j]);
			p.reached[i * O + j] = !Number.isNaN(b) && (reached[j] === 't' || (due[j] !== '' && due[j]! <= today)) ? 1 : 0;
		}
	}
	return p;
}
