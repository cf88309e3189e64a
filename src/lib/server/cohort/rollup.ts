/**
 * The cohort rollup: `scale_histogram` counts, per instrument scale × condition × series × time
 * point × measure, how many patients have each exact value. Every clinical write that can move a
 * patient's points takes the write lock, removes the patient's current points (`rollupRemove`),
 * makes its change and adds the new points (`rollupAdd`) — all in the write's transaction, so the
 * rollup is never stale and two writes never interleave their adjustments. Bulk loads (seed) call
 * `rebuildRollups` instead.
 *
 * The points are defined exactly as the plain SQL in ./index.ts defines them (baseline = first
 * non-voided visit with a value; visits numbered by date, then entry order; last value per week
 * bucket; change = value − baseline; responders from the latest visit when it is not the baseline).
 */
import { sql, type SQL } from 'drizzle-orm';
import { executeRows, type Db } from '../db';
import { serializeWrites } from '../audit';

/** Week buckets kept ready; other bucket widths are computed from the raw tables. */
export const ROLLUP_BUCKETS = [1, 2, 4] as const;
/** Bump when the point definition changes: start-up then rebuilds the histogram. */
export const ROLLUP_VERSION = 1;

function uuidList(ids: string[]): SQL {
	return sql.join(
		ids.map((id) => sql`${id}::uuid`),
		sql`, `
	);
}

/** Every histogram point of the selected patients (all when `ids` is null), optionally of some instruments. */
function points(ids: string[] | null, instruments?: string[]): SQL {
	const only = sql.join(
		[
			ids ? sql`and v.patient_id in (${uuidList(ids)})` : sql``,
			instruments ? sql`and rs.instrument_id in (${sql.join(instruments.map((i) => sql`${i}`), sql`, `)})` : sql``
		],
		sql` `
	);
	const buckets = sql.raw(ROLLUP_BUCKETS.map((b) => `(${b})`).join(', '));
	return sql`
		with scored as (
			select p.id as patient_id, p.condition_code, rs.instrument_id, rs.scale, v.visit_date, v.created_at, v.id as visit_id, rs.value
			from response_scores rs
			join responses r on r.id = rs.response_id
			join visits v on v.id = r.visit_id and not v.voided
			join patients p on p.id = v.patient_id
			where rs.value is not null ${only}
		), numbered as (
			select *,
				row_number() over w as visit_number,
				first_value(value) over w as baseline,
				first_value(visit_date) over w as baseline_date,
				count(*) over (partition by patient_id, instrument_id, scale) as visits
			from scored
			window w as (partition by patient_id, instrument_id, scale order by visit_date, created_at, visit_id)
		), weekly as (
			select distinct on (patient_id, instrument_id, scale, b.bucket, wx)
				condition_code, instrument_id, scale, 'week' || b.bucket as series, wx as x, value, value - baseline as change
			from numbered
			cross join (values ${buckets}) as b(bucket)
			cross join lateral (select (floor((visit_date - baseline_date) / (7.0 * b.bucket)) * b.bucket)::int as wx) w
			order by patient_id, instrument_id, scale, b.bucket, wx, visit_date desc, created_at desc, visit_id desc
		), placed as (
			select condition_code, instrument_id, scale, 'visit' as series, visit_number::int as x, value, value - baseline as change from numbered
			union all
			select condition_code, instrument_id, scale, series, x, value, change from weekly
			union all
			select condition_code, instrument_id, scale, 'latest', 0, value, value - baseline from numbered where visit_number = visits and visits > 1
		)
		select instrument_id, scale, condition_code, series, x, m.measure,
			case m.measure when 'score' then value else change end as value
		from placed cross join (values ('score'), ('change')) as m(measure)
		where series <> 'latest' or m.measure = 'change'`;
}

/**
 * Adds (`sign` 1) or removes (−1) the selected patients' points. Removal is an UPDATE (a point
 * must be there to be removed; the CHECK n >= 0 refuses a count going below zero), addition an
 * upsert. (An upsert cannot subtract: PostgreSQL checks the proposed row before the conflict.)
 */
function grouped(ids: string[] | null, instruments?: string[]): SQL {
	return sql`
		select instrument_id, scale, condition_code, series, x, measure, value, count(*)::int as n
		from (${points(ids, instruments)}) pts
		group by instrument_id, scale, condition_code, series, x, measure, value`;
}

async function adjust(tx: Db, ids: string[] | null, sign: 1 | -1): Promise<void> {
	const rows = grouped(ids);
	if (sign === 1) {
		await tx.execute(sql`
			insert into scale_histogram (instrument_id, scale, condition_code, series, x, measure, value, n)
			${rows}
			on conflict (instrument_id, scale, series, measure, condition_code, x, value)
			do update set n = scale_histogram.n + excluded.n`);
	} else {
		await tx.execute(sql`
			update scale_histogram h set n = h.n - d.n
			from (${rows}) d
			where h.instrument_id = d.instrument_id and h.scale = d.scale and h.series = d.series and h.measure = d.measure
				and h.condition_code = d.condition_code and h.x = d.x and h.value = d.value`);
	}
}

/**
 * The patient lock: a write that changes a patient's points holds the patient row (NO KEY UPDATE,
 * which inserts referencing the patient do not wait for) so that its before/after reads cannot
 * interleave with another write to the same patient. Sorted, so two writers never deadlock.
 */
export async function lockPatients(tx: Db, ids: string[]): Promise<void> {
	const unique = [...new Set(ids)].sort();
	for (let i = 0; i < unique.length; i += 10_000) {
		await tx.execute(sql`select id from patients where id in (${uuidList(unique.slice(i, i + 10_000))}) order by id for no key update`);
	}
}

interface Point {
	instrument_id: string;
	scale: string;
	condition_code: string;
	series: string;
	x: number;
	measure: string;
	value: number;
	n: number;
}
const keyOf = (p: Point) => `${p.instrument_id}|${p.scale}|${p.condition_code}|${p.series}|${p.x}|${p.measure}|${p.value}`;

export interface RollupSnapshot {
	ids: string[];
	instruments?: string[];
	before: Map<string, Point>;
}

async function readPoints(tx: Db, ids: string[], instruments?: string[]): Promise<Map<string, Point>> {
	const rows = await executeRows(tx, grouped(ids, instruments));
	const map = new Map<string, Point>();
	for (const r of rows) {
		const p: Point = {
			instrument_id: String(r.instrument_id),
			scale: String(r.scale),
			condition_code: String(r.condition_code),
			series: String(r.series),
			x: Number(r.x),
			measure: String(r.measure),
			value: Number(r.value),
			n: Number(r.n)
		};
		map.set(keyOf(p), p);
	}
	return map;
}

/**
 * A single write's rollup upkeep, in its transaction, with the patients locked (lockPatients):
 * `rollupBefore` reads their current points (of the named instruments only, when the write cannot
 * touch others), then the write, then `rollupAfter` reads them again and applies only the
 * difference — a visit added at the end changes a handful of counts, not the patient's whole
 * series — under the write lock, which the audit rows then keep until the commit.
 */
export async function rollupBefore(tx: Db, ids: string[], instruments?: string[]): Promise<RollupSnapshot> {
	const unique = [...new Set(ids)];
	const only = instruments ? [...new Set(instruments)] : undefined;
	return { ids: unique, instruments: only, before: unique.length && (!only || only.length) ? await readPoints(tx, unique, only) : new Map() };
}

export async function rollupAfter(tx: Db, snap: RollupSnapshot): Promise<void> {
	if (snap.ids.length === 0 || snap.instruments?.length === 0) return;
	const after = await readPoints(tx, snap.ids, snap.instruments);
	const up: Point[] = [];
	const down: Point[] = [];
	for (const [key, p] of after) {
		const d = p.n - (snap.before.get(key)?.n ?? 0);
		if (d > 0) up.push({ ...p, n: d });
		else if (d < 0) down.push({ ...p, n: -d });
	}
	for (const [key, p] of snap.before) if (!after.has(key)) down.push(p);
	if (up.length === 0 && down.length === 0) return;
	// Histogram rows are shared by all patients: change them under the write lock (held to commit).
	await serializeWrites(tx);
	const columns = sql`instrument_id text, scale text, condition_code text, series text, x int, measure text, value float8, n int`;
	if (down.length > 0) {
		await tx.execute(sql`
			update scale_histogram h set n = h.n - d.n
			from json_to_recordset(${JSON.stringify(down)}::json) as d(${columns})
			where h.instrument_id = d.instrument_id and h.scale = d.scale and h.series = d.series and h.measure = d.measure
				and h.condition_code = d.condition_code and h.x = d.x and h.value = d.value`);
	}
	if (up.length > 0) {
		await tx.execute(sql`
			insert into scale_histogram (instrument_id, scale, condition_code, series, x, measure, value, n)
			select instrument_id, scale, condition_code, series, x, measure, value, n from json_to_recordset(${JSON.stringify(up)}::json) as d(${columns})
			on conflict (instrument_id, scale, series, measure, condition_code, x, value)
			do update set n = scale_histogram.n + excluded.n`);
	}
}

/** For bulk loads (import): the patients' whole points out before their first change, back in after the last. */
export async function rollupRemove(tx: Db, ids: string[]): Promise<void> {
	await serializeWrites(tx);
	if (ids.length > 0) await adjust(tx, [...new Set(ids)], -1);
}

export async function rollupAdd(tx: Db, ids: string[]): Promise<void> {
	if (ids.length > 0) await adjust(tx, [...new Set(ids)], 1);
}

/** Recomputes the whole histogram from the raw tables (after a bulk load, or a new definition). */
export async function rebuildRollups(db: Db): Promise<void> {
	await db.transaction(async (tx) => {
		await serializeWrites(tx);
		await tx.execute(sql`delete from scale_histogram`);
		await adjust(tx, null, 1);
		await tx.execute(sql`
			insert into rollup_state (name, version, built_at) values ('scale_histogram', ${ROLLUP_VERSION}, now())
			on conflict (name) do update set version = excluded.version, built_at = excluded.built_at`);
	});
}

/** At start-up: builds the histogram if it was never built for this definition. */
export async function ensureRollups(db: Db): Promise<boolean> {
	const [state] = await executeRows(db, sql`select version from rollup_state where name = 'scale_histogram'`);
	if (Number(state?.version) === ROLLUP_VERSION) return false;
	await rebuildRollups(db);
	return true;
}

export interface HistogramRow {
	condition_code: string;
	x: number;
	value: number;
	n: number;
}

/** The counts for one chart: conditions empty = all. */
export async function readHistogram(
	db: Db,
	q: { instrument: string; scale: string; series: string; measure: 'score' | 'change'; conditions: string[] }
): Promise<HistogramRow[]> {
	const cond = q.conditions.length > 0 ? sql`and condition_code in (${sql.join(q.conditions.map((c) => sql`${c}`), sql`, `)})` : sql``;
	const rows = await executeRows(db, sql`
		select condition_code, x, value, n from scale_histogram
		where instrument_id = ${q.instrument} and scale = ${q.scale} and series = ${q.series} and measure = ${q.measure} and n > 0 ${cond}
		order by condition_code, x, value`);
	return rows.map((r) => ({ condition_code: String(r.condition_code), x: Number(r.x), value: Number(r.value), n: Number(r.n) }));
}
