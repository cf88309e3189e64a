/**
 * Cohort trends: per condition and time point, n, mean, SD, 95 % CI, median and quartiles of a
 * scale's score or its change from baseline, plus responder rates — aggregated in SQL.
 *
 * Definitions (shown on the cohort page):
 * - baseline: a patient's first non-voided visit with a scorable value of the scale; their visits
 *   with that scale are numbered 1, 2, 3… in date order (ties: entry order);
 * - weeks since baseline: floor(days / (7 × bucket)) × bucket; within a bucket the last value counts;
 * - change = value − baseline;
 * - responder: latest value improved on baseline by at least the MCID, in the scale's direction;
 *   patients with only a baseline are not counted;
 * - any point or responder row with fewer than k patients is withheld;
 * - below admin (`unrestricted` unset), enrolment filters are whole quarters, and with one a point
 *   or responder row is also withheld when a quarter next to the period's edges holds 1..k−1 of its
 *   patients ($lib/privacy/periods), so that no two queries differ by fewer than k patients.
 */
import { sql, type SQL } from 'drizzle-orm';
import { executeRows, type Db } from '../db';
import { patientSelection } from '../patients';
import { getInstrument } from '../../instruments';
import { meanCi, summariseCounts, wilson, improvedByMcid, MCID_TOLERANCE } from '../../stats';
import { edgesHold, periodEdges, quarterIndex } from '../../privacy/periods';
import { readHistogram, ROLLUP_BUCKETS } from './rollup';

export interface TrendQuery {
	instrument: string;
	scale: string;
	axis: 'visit' | 'week';
	bucket: number;
	measure: 'score' | 'change';
	conditions: string[];
	enrolledFrom?: string;
	enrolledTo?: string;
	/**
	 * Admins only: day-precise enrolment filters, no edge rule. Otherwise the filters must be whole
	 * quarters (`periodEdges` throws on any other: the routes refuse them first, with a message).
	 */
	unrestricted?: boolean;
}

export interface TrendPoint {
	x: number;
	n: number;
	mean: number;
	sd: number | null;
	ci_low: number | null;
	ci_high: number | null;
	median: number;
	q1: number;
	q3: number;
}

export type ResponderRow =
	| { condition: string; n: number; responders: number; rate: number; ci_low: number; ci_high: number }
	| { condition: string; suppressed: true };

export interface Trend {
	k: number;
	mcid: { value: number; population: string } | null;
	higherIsBetter: boolean;
	/** `withheld`: the x values whose n < k (labelled "n < k" on screen; left out of the API). */
	series: { condition: string; points: TrendPoint[]; withheld: number[] }[];
	responders: ResponderRow[];
}

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/**
 * The scale's values per patient, numbered from baseline, one per time point, each with the
 * patient's enrolment quarter (`quarter`, an integer: see `quarterIndex`). With `allPeriods` the
 * enrolment filter is left out (the edge rule counts the quarters outside the period too) and the
 * caller selects the period by `quarter`.
 */
function perPatientPoints(q: TrendQuery, allPeriods = false): SQL {
	const selection = patientSelection(allPeriods ? { conditions: q.conditions } : q);
	const filters: SQL[] = [sql`rs.instrument_id = ${q.instrument}`, sql`rs.scale = ${q.scale}`, sql`rs.value is not null`, ...selection];
	const x =
		q.axis === 'visit'
			? sql`visit_number`
			: sql`(floor((visit_date - baseline_date) / (7.0 * ${q.bucket})) * ${q.bucket})::int`;
	return sql`
		with scored as (
			select p.id as patient_id, p.condition_code, v.visit_date, v.created_at, v.id as visit_id, rs.value,
				(extract(year from p.enrolled_on)::int * 4 + extract(quarter from p.enrolled_on)::int - 1) as quarter
			from response_scores rs
			join responses r on r.id = rs.response_id
			join visits v on v.id = r.visit_id and not v.voided
			join patients p on p.id = v.patient_id
			where ${sql.join(filters, sql` and `)}
		), numbered as (
			select *,
				row_number() over w as visit_number,
				first_value(value) over w as baseline,
				first_value(visit_date) over w as baseline_date
			from scored
			window w as (partition by patient_id order by visit_date, created_at, visit_id)
		), located as (
			select *, ${x} as x from numbered
		), placed as (
			select distinct on (patient_id, x)
				condition_code, patient_id, quarter, x, visit_number, value, value - baseline as change, baseline
			from located
			order by patient_id, x, visit_date desc, created_at desc, visit_id desc
		)`;
}

type Scale = { higherIsBetter: boolean };
type Mcid = { value: number; population: string } | null;

function definition(q: TrendQuery) {
	const def = getInstrument(q.instrument);
	const scale = def?.scales.find((s) => s.key === q.scale);
	if (!def || !scale) throw new Error(`unknown instrument scale ${q.instrument}/${q.scale}`);
	const mcid = def.mcid.find((m) => m.scale === q.scale) ?? null;
	return { scale, mcid: mcid ? { value: mcid.value, population: mcid.population } : null };
}

/** True when the rollup holds this chart: no enrolment filter, and a kept week bucket. */
export function rollupServes(q: TrendQuery): boolean {
	return !q.enrolledFrom && !q.enrolledTo && (q.axis === 'visit' || (ROLLUP_BUCKETS as readonly number[]).includes(q.bucket));
}

/** The chart's numbers: from the rollup when it holds them, else from the raw tables. */
export function cohortTrend(db: Db, q: TrendQuery, k: number): Promise<Trend> {
	return rollupServes(q) ? cohortTrendFromRollup(db, q, k) : cohortTrendPlain(db, q, k);
}

/** From the rollup's counts: a few thousand rows at most, whatever the cohort's size. */
export async function cohortTrendFromRollup(db: Db, q: TrendQuery, k: number): Promise<Trend> {
	const { scale, mcid } = definition(q);
	const series = q.axis === 'visit' ? 'visit' : `week${q.bucket}`;
	const rows = await readHistogram(db, { instrument: q.instrument, scale: q.scale, series, measure: q.measure, conditions: q.conditions });
	const pointRows: Record<string, unknown>[] = [];
	for (let i = 0; i < rows.length; ) {
		const { condition_code, x } = rows[i]!;
		const group: { value: number; n: number }[] = [];
		for (; i < rows.length && rows[i]!.condition_code === condition_code && rows[i]!.x === x; i++) group.push(rows[i]!);
		const s = summariseCounts(group);
		if (s) pointRows.push({ condition_code, x, ...s });
	}
	let responderRows: Record<string, unknown>[] = [];
	if (mcid) {
		const latest = await readHistogram(db, { instrument: q.instrument, scale: q.scale, series: 'latest', measure: 'change', conditions: q.conditions });
		const by = new Map<string, { n: number; responders: number }>();
		for (const r of latest) {
			const c = by.get(r.condition_code) ?? { n: 0, responders: 0 };
			c.n += r.n;
			if (improvedByMcid(r.value, mcid.value, scale.higherIsBetter)) c.responders += r.n;
			by.set(r.condition_code, c);
		}
		responderRows = [...by].map(([condition_code, c]) => ({ condition_code, ...c }));
	}
	return assemble(q, k, scale, mcid, pointRows, responderRows);
}

/**
 * From the raw tables in one SQL statement per chart (the reference the rollup must match). Below
 * admin with an enrolment period, every period's points are placed, the period is picked by
 * quarter, and each group comes with its patients per quarter (all quarters) for the edge rule.
 */
export async function cohortTrendPlain(db: Db, q: TrendQuery, k: number): Promise<Trend> {
	const { scale, mcid } = definition(q);
	const measure = q.measure === 'change' ? sql`change` : sql`value`;
	const edges = q.unrestricted ? [] : periodEdges({ from: q.enrolledFrom, to: q.enrolledTo });
	const byQuarter = edges.length > 0;
	const base = perPatientPoints(q, byQuarter);
	const inside = byQuarter
		? sql.join([sql`true`, ...(q.enrolledFrom ? [sql`quarter >= ${quarterIndex(q.enrolledFrom)}::int`] : []), ...(q.enrolledTo ? [sql`quarter <= ${quarterIndex(q.enrolledTo)}::int`] : [])], sql` and `)
		: sql`true`;
	// `per_quarter`: for each group (`keys`) of `source`, [quarter, patients] pairs as JSON text.
	const perQuarter = (keys: SQL, source: SQL) =>
		byQuarter
			? sql`, per_quarter as (
				select ${keys}, json_agg(json_build_array(quarter, n))::text as quarters
				from (select ${keys}, quarter, count(*)::int as n from ${source} group by ${keys}, quarter) c
				group by ${keys})`
			: sql``;
	const withQuarters = (keys: SQL) => (byQuarter ? sql`join per_quarter using (${keys})` : sql``);

	const pointKeys = sql`condition_code, x`;
	const pointRows = await executeRows(
		db,
		sql`${base}${perQuarter(pointKeys, sql`placed`)}
			select s.*${byQuarter ? sql`, per_quarter.quarters` : sql``} from (
				select condition_code, x,
					count(*)::int as n,
					avg(${measure})::float8 as mean,
					stddev_samp(${measure})::float8 as sd,
					percentile_cont(0.5) within group (order by ${measure})::float8 as median,
					percentile_cont(0.25) within group (order by ${measure})::float8 as q1,
					percentile_cont(0.75) within group (order by ${measure})::float8 as q3
				from placed where ${inside} group by condition_code, x
			) s ${withQuarters(pointKeys)} order by condition_code, x`
	);

	const direction = scale.higherIsBetter ? sql`1` : sql`-1`;
	const responderKeys = sql`condition_code`;
	const responderRows = mcid
		? await executeRows(
				db,
				sql`${base}, latest as (
					select distinct on (patient_id) condition_code, patient_id, quarter, visit_number, change
					from placed order by patient_id, visit_number desc
				)${perQuarter(responderKeys, sql`(select * from latest where visit_number > 1) followed`)}
				select s.*${byQuarter ? sql`, per_quarter.quarters` : sql``} from (
					select condition_code,
						count(*)::int as n,
						count(*) filter (where ${direction} * change >= ${mcid.value}::float8 - ${MCID_TOLERANCE}::float8)::int as responders
					from latest where visit_number > 1 and ${inside}
					group by condition_code
				) s ${withQuarters(responderKeys)} order by condition_code`
			)
		: [];
	return assemble(q, k, scale, mcid, pointRows, responderRows, edges);
}

/** A group is withheld when under k, or when a period edge fails the edge rule for it. */
function withheld(r: Record<string, unknown>, k: number, edges: number[]): boolean {
	if (Number(r.n) < k) return true;
	if (edges.length === 0) return false;
	return !edgesHold(JSON.parse(String(r.quarters)) as [number, number][], edges, k);
}

function assemble(q: TrendQuery, k: number, scale: Scale, mcid: Mcid, pointRows: Record<string, unknown>[], responderRows: Record<string, unknown>[], edges: number[] = []): Trend {
	const byCondition = new Map<string, TrendPoint[]>();
	const hidden = new Map<string, number[]>();
	for (const code of q.conditions) byCondition.set(code, []);
	for (const r of pointRows) {
		const code = String(r.condition_code);
		const n = Number(r.n);
		if (!byCondition.has(code)) byCondition.set(code, []);
		if (withheld(r, k, edges)) {
			hidden.set(code, [...(hidden.get(code) ?? []), Number(r.x)]);
			continue;
		}
		const mean = Number(r.mean);
		const sd = num(r.sd);
		const ci = meanCi(mean, sd, n);
		byCondition.get(code)!.push({
			x: Number(r.x),
			n,
			mean,
			sd,
			ci_low: ci?.low ?? null,
			ci_high: ci?.high ?? null,
			median: Number(r.median),
			q1: Number(r.q1),
			q3: Number(r.q3)
		});
	}

	const responders: ResponderRow[] = responderRows.map((r) => {
		const n = Number(r.n);
		const x = Number(r.responders);
		const condition = String(r.condition_code);
		if (withheld(r, k, edges)) return { condition, suppressed: true };
		const ci = wilson(x, n)!;
		return { condition, n, responders: x, rate: x / n, ci_low: ci.low, ci_high: ci.high };
	});

	return {
		k,
		mcid,
		higherIsBetter: scale.higherIsBetter,
		series: [...byCondition].map(([condition, points]) => ({ condition, points, withheld: hidden.get(condition) ?? [] })),
		responders
	};
}
