/**
 * The cohort rollup: `scale_histogram` counts, per instrument scale × condition × series × time
 * point × measure, how many patients have each exact value. Every clinical write that can move a
 * patient's points locks the patient (`lockPatients`), and, in its own transaction, appends the
 * signed difference its change makes to `scale_histogram_delta` — rows no other write touches, so
 * concurrent saves never wait on each other here. Readers add the pending differences to the
 * histogram; `foldRollupDeltas` moves them into it now and then (one folder at a time). The rollup
 * is therefore never stale. Bulk loads (seed) call `rebuildRollups`.
 *
 * `patient_series` keeps each patient's count, baseline and last value per scale, so that the
 * common write — a new visit after the patient's others — finds its difference without reading
 * the patient's history (`visitFactsSql`); every other write recomputes the rows it touches.
 *
 * The points are defined exactly as the plain SQL in ./index.ts defines them (baseline = first
 * non-voided visit with a value; visits numbered by date, then entry order; last value per week
 * bucket; change = value − baseline; responders from the latest visit when it is not the baseline).
 */
import { sql, type SQL } from 'drizzle-orm';
import { executeRows, isPostgres, type Db } from '../db';

/** Week buckets kept ready; other bucket widths are computed from the raw tables. */
export const ROLLUP_BUCKETS = [1, 2, 4] as const;
/**
 * Bump when the point definition (or what is kept beside it) changes: start-up then rebuilds the
 * histogram and `patient_series`. 2: `patient_series` added.
 */
export const ROLLUP_VERSION = 2;

function uuidList(ids: string[]): SQL {
	return sql.join(
		ids.map((id) => sql`${id}::uuid`),
		sql`, `
	);
}

/** Parameters for `in (…)`, text. */
function textList(values: readonly string[]): SQL {
	return sql.join(
		values.map((v) => sql`${v}`),
		sql`, `
	);
}

/** `and …` conditions on the given columns: these patients (all when null), these instruments (all when undefined). */
function selected(ids: string[] | null, instruments: string[] | undefined, patientColumn: string, instrumentColumn: string): SQL {
	return sql.join(
		[
			ids ? sql`and ${sql.raw(patientColumn)} in (${uuidList(ids)})` : sql``,
			instruments ? sql`and ${sql.raw(instrumentColumn)} in (${textList(instruments)})` : sql``
		],
		sql` `
	);
}

/**
 * Every scored value of the selected patients with its place in the patient's series of that
 * scale (`numbered`, a CTE), and the histogram points placed from it (`PLACED`): one row per point
 * with its score (`value`; null for the latest change, which has no score measure) and its change
 * from baseline.
 *
 * A week bucket's point is the last visit in it. Days since baseline never fall along a series
 * (baseline is its first date), so a visit is the last of its bucket exactly when the next visit
 * (`lead`) is in a later bucket or there is none; whole days ÷ (7 × width) is an integer division.
 * This is the same point as the plain SQL's `distinct on` per bucket, without sorting every visit
 * three more times (the whole cohort's counts at 20,000 patients: 51 s → 22 s with `counted`'s
 * grouping sets; the rebuild as a whole 74 s → 42–46 s).
 */
function numbered(ids: string[] | null, instruments?: string[], exceptVisit?: string): SQL {
	const only = sql`${selected(ids, instruments, 'v.patient_id', 'rs.instrument_id')} ${exceptVisit ? sql`and v.id <> ${exceptVisit}::uuid` : sql``}`;
	return sql`
		select v.patient_id, p.condition_code, rs.instrument_id, rs.scale, rs.value, v.visit_date, v.created_at, v.id as visit_id,
			row_number() over w as visit_number,
			count(*) over (partition by v.patient_id, rs.instrument_id, rs.scale) as visits,
			first_value(rs.value) over w as baseline,
			first_value(v.visit_date) over w as baseline_date,
			v.visit_date - first_value(v.visit_date) over w as days,
			lead(v.visit_date) over w - first_value(v.visit_date) over w as next_days
		from response_scores rs
		join responses r on r.id = rs.response_id
		join visits v on v.id = r.visit_id and not v.voided
		join patients p on p.id = v.patient_id
		where rs.value is not null ${only}
		window w as (partition by v.patient_id, rs.instrument_id, rs.scale order by v.visit_date, v.created_at, v.id)`;
}

const PLACED = sql`
	select condition_code, instrument_id, scale, 'visit' as series, visit_number::int as x, value, value - baseline as change from numbered
	union all
	select condition_code, instrument_id, scale, 'week' || b.bucket, days / (7 * b.bucket) * b.bucket, value, value - baseline
	from numbered cross join (values ${sql.raw(ROLLUP_BUCKETS.map((b) => `(${b})`).join(', '))}) as b(bucket)
	where next_days is null or next_days / (7 * b.bucket) <> days / (7 * b.bucket)
	union all
	select condition_code, instrument_id, scale, 'latest', 0, null, value - baseline from numbered where visit_number = visits and visits > 1`;

/** Placed points counted per value, as (…, measure, value, n): scores and changes in one pass (grouping sets); the latest has changes only. */
function counted(placed: SQL): SQL {
	return sql`
		select instrument_id, scale, condition_code, series, x,
			case when grouping(change) = 1 then 'score' else 'change' end as measure,
			coalesce(value, change) as value, count(*)::int as n
		from (${placed}) pts
		group by grouping sets ((instrument_id, scale, condition_code, series, x, value), (instrument_id, scale, condition_code, series, x, change))
		having grouping(change) = 0 or series <> 'latest'`;
}

function grouped(ids: string[] | null, instruments?: string[], exceptVisit?: string): SQL {
	return counted(sql`with numbered as (${numbered(ids, instruments, exceptVisit)}) ${PLACED}`);
}

const COLUMNS = sql.raw('instrument_id, scale, condition_code, series, x, measure, value, n');

/** Adds (`sign` 1) or removes (−1) the selected patients' whole points, as pending differences. */
async function adjust(tx: Db, ids: string[], sign: 1 | -1): Promise<void> {
	await tx.execute(sql`
		insert into scale_histogram_delta (${COLUMNS})
		select instrument_id, scale, condition_code, series, x, measure, value, ${sign}::int * n from (${grouped(ids)}) g`);
	pending += 1;
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

export interface Point {
	instrument_id: string;
	scale: string;
	condition_code: string;
	series: string;
	x: number;
	measure: string;
	value: number;
	n: number;
}
const keyOf = (p: Omit<Point, 'n'>) => `${p.instrument_id}|${p.scale}|${p.condition_code}|${p.series}|${p.x}|${p.measure}|${p.value}`;

/** Pending-difference statements since the last fold, in this process (a hint for `foldIfDue`). */
let pending = 0;

/** Appends signed counts (n ≠ 0) to the pending differences. */
export async function writeDeltas(tx: Db, deltas: Point[]): Promise<void> {
	const insert = deltasSql(deltas);
	if (insert) await tx.execute(insert);
}

/** The INSERT of `writeDeltas` (null when there is nothing to append), for a caller sending it with other statements. */
export function deltasSql(deltas: Point[]): SQL | null {
	if (deltas.length === 0) return null;
	pending += 1;
	return sql`
		insert into scale_histogram_delta (${COLUMNS})
		select ${COLUMNS} from json_to_recordset(${JSON.stringify(deltas)}::json)
			as d(instrument_id text, scale text, condition_code text, series text, x int, measure text, value float8, n int)`;
}

export interface RollupSnapshot {
	ids: string[];
	instruments?: string[];
	before: Map<string, Point>;
}

async function readPoints(tx: Db, ids: string[], instruments?: string[], exceptVisit?: string): Promise<Map<string, Point>> {
	const rows = await executeRows(tx, grouped(ids, instruments, exceptVisit));
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

/** after − before, as signed counts. */
function difference(before: Map<string, Point>, after: Map<string, Point>): Point[] {
	const out: Point[] = [];
	for (const [key, p] of after) {
		const d = p.n - (before.get(key)?.n ?? 0);
		if (d !== 0) out.push({ ...p, n: d });
	}
	for (const [key, p] of before) if (!after.has(key)) out.push({ ...p, n: -p.n });
	return out;
}

/**
 * A single write's rollup upkeep, in its transaction, with the patients locked (lockPatients):
 * `rollupBefore` reads their current points (of the named instruments only, when the write cannot
 * touch others), then the write, then `rollupAfter` reads them again and appends the difference.
 */
export async function rollupBefore(tx: Db, ids: string[], instruments?: string[]): Promise<RollupSnapshot> {
	const unique = [...new Set(ids)];
	const only = instruments ? [...new Set(instruments)] : undefined;
	return { ids: unique, instruments: only, before: unique.length && (!only || only.length) ? await readPoints(tx, unique, only) : new Map() };
}

export async function rollupAfter(tx: Db, snap: RollupSnapshot): Promise<void> {
	if (snap.ids.length === 0 || snap.instruments?.length === 0) return;
	await writeDeltas(tx, difference(snap.before, await readPoints(tx, snap.ids, snap.instruments)));
	await refreshSeries(tx, snap.ids, snap.instruments);
}

const DAY_MS = 86_400_000;
const days = (from: string, to: string) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);

/** A scale value of the new visit (null: not computable from its answers, no point). */
export interface NewValue {
	instrument_id: string;
	scale: string;
	value: number | null;
}

/**
 * What `visitAddedDeltas` needs, per scale the new visit has a value on: its value, the patient's
 * condition, and over the patient's other visits the count, baseline, latest value, and whether
 * any comes after the new one — from the patient's `patient_series` rows. `visitFactsSql` reads
 * them (one row per series, or one row of nulls; each row also has the patient's enrolment date
 * and archived flag) and must run after the patient is locked, in a statement of its own or as the
 * SELECT of one that inserts the visit (it does not read the visit's rows); `visitFacts` reads the
 * rows. The new visit's place in the order is its date, then now() (its created_at, the
 * transaction's start), then its id.
 */
export function visitFactsSql(patientId: string, visitId: string, visitDate: string, values: NewValue[]): SQL {
	const only = [...new Set(values.filter((v) => v.value !== null).map((v) => v.instrument_id))];
	return sql`
		select p.enrolled_on::text as enrolled_on, p.archived, p.condition_code, s.instrument_id, s.scale, s.n, s.base_value, s.base_date::text as base_date, s.last_value, s.last_date::text as last_date,
			(s.last_date, s.last_created_at, s.last_visit_id) > (${visitDate}::date, now(), ${visitId}::uuid) as later
		from patients p
		left join patient_series s on s.patient_id = p.id and ${only.length ? sql`s.instrument_id in (${textList(only)})` : sql`false`}
		where p.id = ${patientId}::uuid`;
}

export function visitFacts(rows: Record<string, unknown>[], visitDate: string, values: NewValue[]): Record<string, unknown>[] {
	const condition = rows[0]?.condition_code;
	const series = new Map<string, Record<string, unknown>>();
	for (const r of rows) if (r.instrument_id != null) series.set(`${r.instrument_id}|${r.scale}`, r);
	return values
		.filter((v) => v.value !== null)
		.map((v) => {
			const s = series.get(`${v.instrument_id}|${v.scale}`);
			return {
				instrument_id: v.instrument_id,
				scale: v.scale,
				value: v.value,
				visit_date: visitDate,
				condition_code: condition,
				n: s ? Number(s.n) : 0,
				base_value: s ? Number(s.base_value) : null,
				base_date: s ? String(s.base_date) : null,
				last_value: s ? Number(s.last_value) : null,
				last_date: s ? String(s.last_date) : null,
				later: s ? s.later === true : false
			};
		});
}

/** Whether `visitAddedDeltas` can take the short way: one value per scale, none of the patient's values after it. */
function appended(facts: Record<string, unknown>[]): boolean {
	const scales = new Set(facts.map((r) => `${r.instrument_id}|${r.scale}`));
	return scales.size === facts.length && !facts.some((r) => r.later === true);
}

/**
 * Recomputes the `patient_series` rows of some patients (all when `ids` is null), of some
 * instruments or all, from the raw tables: after any write that can move their points other than
 * a visit appended at the end of their series (which `visitSeriesUpkeep` records directly).
 */
export async function refreshSeries(tx: Db, ids: string[] | null, instruments?: string[]): Promise<void> {
	if (ids?.length === 0 || instruments?.length === 0) return;
	const only = selected(ids, instruments, 'v.patient_id', 'rs.instrument_id');
	await tx.execute(sql`delete from patient_series where true ${selected(ids, instruments, 'patient_id', 'instrument_id')}`);
	await tx.execute(sql`
		insert into patient_series (patient_id, instrument_id, scale, n, base_value, base_date, last_value, last_date, last_created_at, last_visit_id)
		select patient_id, instrument_id, scale, count(*)::int,
			(array_agg(value order by visit_date, created_at, visit_id))[1],
			(array_agg(visit_date order by visit_date, created_at, visit_id))[1],
			(array_agg(value order by visit_date desc, created_at desc, visit_id desc))[1],
			(array_agg(visit_date order by visit_date desc, created_at desc, visit_id desc))[1],
			(array_agg(created_at order by visit_date desc, created_at desc, visit_id desc))[1],
			(array_agg(visit_id order by visit_date desc, created_at desc, visit_id desc))[1]
		from (
			select v.patient_id, rs.instrument_id, rs.scale, rs.value, v.visit_date, v.created_at, v.id as visit_id
			from response_scores rs
			join responses r on r.id = rs.response_id
			join visits v on v.id = r.visit_id and not v.voided
			where rs.value is not null ${only}
		) x
		group by patient_id, instrument_id, scale`);
}

/**
 * The patient's series after a new visit (inserted, patient locked). Appended at the end, the
 * counts, baseline and last value follow from `facts`: the upsert is returned, for the caller to
 * send with its other statements. Otherwise they are recomputed here and null is returned.
 */
export async function visitSeriesUpkeep(tx: Db, patientId: string, visitId: string, facts: Record<string, unknown>[]): Promise<SQL | null> {
	if (facts.length === 0) return null;
	if (!appended(facts)) {
		await refreshSeries(tx, [patientId], [...new Set(facts.map((f) => String(f.instrument_id)))]);
		return null;
	}
	const rows = facts.map((f) => ({
		instrument_id: f.instrument_id,
		scale: f.scale,
		n: Number(f.n) + 1,
		base_value: Number(f.n) === 0 ? f.value : f.base_value,
		base_date: Number(f.n) === 0 ? f.visit_date : f.base_date,
		last_value: f.value,
		last_date: f.visit_date
	}));
	return sql`
		insert into patient_series (patient_id, instrument_id, scale, n, base_value, base_date, last_value, last_date, last_created_at, last_visit_id)
		select ${patientId}::uuid, instrument_id, scale, n, base_value, base_date, last_value, last_date, now(), ${visitId}::uuid
		from json_to_recordset(${JSON.stringify(rows)}::json) as r(instrument_id text, scale text, n int, base_value float8, base_date date, last_value float8, last_date date)
		on conflict (patient_id, instrument_id, scale) do update set n = excluded.n, base_value = excluded.base_value, base_date = excluded.base_date,
			last_value = excluded.last_value, last_date = excluded.last_date, last_created_at = excluded.last_created_at, last_visit_id = excluded.last_visit_id`;
}

/**
 * The rollup difference a new visit makes, once it is inserted (with its responses and scores)
 * and the patient is locked, from `visitFacts`. The common case — the visit comes after every
 * other visit of the patient with a value on that scale — changes a handful of counts exactly as
 * `numbered` and `PLACED` would: a new visit number, the week bucket it falls in (replacing the previous latest
 * visit's value when that was in the same bucket), and the latest change. A visit entered out of
 * date order falls back to reading the patient's points without and with it.
 */
export async function visitAddedDeltas(tx: Db, patientId: string, visitId: string, instruments: string[], rows: Record<string, unknown>[]): Promise<Point[]> {
	const only = [...new Set(instruments)];
	if (!appended(rows)) {
		// Not at the end (or two responses of one instrument): the general difference.
		const before = await readPoints(tx, [patientId], only, visitId);
		return difference(before, await readPoints(tx, [patientId], only));
	}
	const deltas: Point[] = [];
	for (const r of rows) {
		const base = { instrument_id: String(r.instrument_id), scale: String(r.scale), condition_code: String(r.condition_code) };
		const put = (series: string, x: number, measure: 'score' | 'change', value: number, n: number) => deltas.push({ ...base, series, x, measure, value, n });
		const value = Number(r.value);
		const n = Number(r.n);
		if (n === 0) {
			// The patient's baseline on this scale.
			put('visit', 1, 'score', value, 1);
			put('visit', 1, 'change', 0, 1);
			for (const b of ROLLUP_BUCKETS) {
				put(`week${b}`, 0, 'score', value, 1);
				put(`week${b}`, 0, 'change', 0, 1);
			}
			continue;
		}
		const baseline = Number(r.base_value);
		const last = Number(r.last_value);
		const date = String(r.visit_date);
		put('visit', n + 1, 'score', value, 1);
		put('visit', n + 1, 'change', value - baseline, 1);
		for (const b of ROLLUP_BUCKETS) {
			const bucket = (d: string) => Math.floor(days(String(r.base_date), d) / (7 * b)) * b;
			const x = bucket(date);
			if (bucket(String(r.last_date)) === x) {
				// The previous latest visit was the bucket's last value; this visit replaces it.
				put(`week${b}`, x, 'score', last, -1);
				put(`week${b}`, x, 'change', last - baseline, -1);
			}
			put(`week${b}`, x, 'score', value, 1);
			put(`week${b}`, x, 'change', value - baseline, 1);
		}
		if (n >= 2) put('latest', 0, 'change', last - baseline, -1);
		put('latest', 0, 'change', value - baseline, 1);
	}
	// Opposite changes to one count cancel (a value replaced by itself).
	const net = new Map<string, Point>();
	for (const d of deltas) {
		const k = keyOf(d);
		const seen = net.get(k);
		if (seen) seen.n += d.n;
		else net.set(k, { ...d });
	}
	return [...net.values()].filter((d) => d.n !== 0);
}

/** For bulk loads (import): the patients' whole points out before their first change, back in after the last. */
export async function rollupRemove(tx: Db, ids: string[]): Promise<void> {
	if (ids.length > 0) await adjust(tx, [...new Set(ids)], -1);
}

export async function rollupAdd(tx: Db, ids: string[]): Promise<void> {
	if (ids.length === 0) return;
	await adjust(tx, [...new Set(ids)], 1);
	await refreshSeries(tx, [...new Set(ids)]);
}

// The folder's transaction-scoped lock: one fold or rebuild at a time.
const FOLD_LOCK_KEY = 7_201_357;

/**
 * Moves the pending differences into the histogram, in one statement (one snapshot: the rows it
 * deletes are exactly the rows it adds). Returns how many were folded; 0 when another fold is
 * running. A count that would go below zero, or a negative difference to a count that does not
 * exist, aborts the fold and leaves the differences pending — readers stay correct either way.
 *
 * Each changed count is found through the histogram's key, one index probe each: positive
 * differences as INSERT … ON CONFLICT DO UPDATE, negative ones (which must find their count) as an
 * UPDATE joined by nested loop. Left to itself the planner joined the whole histogram by hash: at
 * 20,000 patients, 0.5 s for a second's 5,000 differences, against 0.1 s this way. (ON CONFLICT
 * cannot take the negative ones: the CHECK on n refuses the proposed row before the conflict.)
 */
export async function foldRollupDeltas(db: Db): Promise<number> {
	return db.transaction(async (tx) => {
		const [got] = await executeRows(
			tx,
			sql`select pg_try_advisory_xact_lock(${FOLD_LOCK_KEY}) as ok, set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true)`
		);
		if (got?.ok !== true) return 0;
		// Reset now (writes during the fold count towards the next); restored if the fold fails,
		// so that the next tick tries again instead of waiting for another write.
		const was = pending;
		pending = 0;
		try {
			return await fold(tx);
		} catch (err) {
			pending += was;
			throw err;
		}
	});
}

/** The fold's statement, in the transaction that holds the fold lock. */
async function fold(tx: Db): Promise<number> {
	const [done] = await executeRows(
		tx,
		sql`
		with d as (
			delete from scale_histogram_delta returning ${COLUMNS}
		), s as (
			select instrument_id, scale, condition_code, series, x, measure, value, sum(n)::int as n, count(*)::int as rows
			from d group by instrument_id, scale, condition_code, series, x, measure, value
		), lowered as (
			update scale_histogram h set n = h.n + s.n
			from s
			where s.n < 0 and h.instrument_id = s.instrument_id and h.scale = s.scale and h.series = s.series and h.measure = s.measure
				and h.condition_code = s.condition_code and h.x = s.x and h.value = s.value
			returning 1
		), raised as (
			insert into scale_histogram as h (${COLUMNS})
			select ${COLUMNS} from s where s.n > 0
			on conflict (instrument_id, scale, series, measure, condition_code, x, value) do update set n = h.n + excluded.n
			returning 1
		)
		select coalesce(sum(rows), 0)::int as folded, (count(*) filter (where n < 0))::int as negative,
			(select count(*) from lowered)::int as lowered, (select count(*) from raised)::int as raised
		from s`
	);
	if (Number(done?.lowered) !== Number(done?.negative)) {
		// Rolls the fold back: the differences stay pending, as with a count below zero.
		throw new Error(`Folding the cohort rollup: ${Number(done?.negative) - Number(done?.lowered)} negative difference(s) to a count that does not exist`);
	}
	return Number(done?.folded ?? 0);
}

/** Folds when this process has appended enough differences since the last fold. */
export async function foldIfDue(db: Db, every = 200): Promise<void> {
	if (pending >= every) await foldRollupDeltas(db);
}

/** The whole histogram and every patient's series, from one pass over the raw tables (both tables emptied first). */
export function rebuildStatement(): SQL {
	return sql`
		with numbered as (${numbered(null)}),
		s as (
			insert into patient_series (patient_id, instrument_id, scale, n, base_value, base_date, last_value, last_date, last_created_at, last_visit_id)
			select patient_id, instrument_id, scale, visits, baseline, baseline_date, value, visit_date, created_at, visit_id from numbered where visit_number = visits
		),
		d as (delete from scale_histogram_delta),
		-- Materialized: counted by hashing, then sorted (an ORDER BY over the counting itself made
		-- the planner count by sorting all 6.7 million points instead, twice as slow).
		c as materialized (${counted(PLACED)})
		insert into scale_histogram (${COLUMNS})
		select ${COLUMNS} from c
		-- In key order, so that one chart's counts lie on a few hundred pages rather than one page per
		-- count (a chart read 9,000 scattered pages at 20,000 patients).
		order by instrument_id, scale, series, measure, condition_code, x, value`;
}

/** Recomputes the whole histogram from the raw tables (after a bulk load, or a new definition). */
export async function rebuildRollups(db: Db): Promise<void> {
	await db.transaction(async (tx) => {
		await tx.execute(sql`select pg_advisory_xact_lock(${FOLD_LOCK_KEY})`);
		// The whole cohort's points are counted in two hash tables (about 110 MB at 20,000 patients;
		// hashing may use twice work_mem); with the default 4 MB they spill to disk and the rebuild
		// takes three times as long. On PostgreSQL only: PGlite's memory is the WebAssembly heap.
		if (await isPostgres(tx)) await tx.execute(sql`set local work_mem = '256MB'`);
		// Saves wait for the rebuild to commit before they upsert a patient's series: one landing
		// between the delete below and the insert would make the insert's key collide.
		await tx.execute(sql`lock table patient_series in share row exclusive mode`);
		await tx.execute(sql`delete from scale_histogram`);
		await tx.execute(sql`delete from patient_series`);
		// One statement, one snapshot: differences committed before it are in the raw tables it
		// reads and are deleted; later ones are in neither. The series come from the same pass
		// over the raw tables (each series' last value; refreshSeries computes the same rows).
		await tx.execute(rebuildStatement());
		await tx.execute(sql`
			insert into rollup_state (name, version, built_at) values ('scale_histogram', ${ROLLUP_VERSION}, now())
			on conflict (name) do update set version = excluded.version, built_at = excluded.built_at`);
	});
	pending = 0;
	// Fresh statistics for the two tables just rewritten (autovacuum may be off, or late: these
	// machines run with it off, and a seed left the histogram with none, planned as if empty).
	// The rebuild has committed: a failure here (a dropped connection) must not report it as failed.
	await db.execute(sql`analyze scale_histogram, patient_series`).catch((err) => console.error('Analysing the rebuilt rollup failed:', err));
}

/** At start-up: builds the histogram if it was never built for this definition, else folds. */
export async function ensureRollups(db: Db): Promise<boolean> {
	const [state] = await executeRows(db, sql`select version from rollup_state where name = 'scale_histogram'`);
	if (Number(state?.version) === ROLLUP_VERSION) {
		await foldRollupDeltas(db);
		return false;
	}
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
	const cond = q.conditions.length > 0 ? sql`and condition_code in (${textList(q.conditions)})` : sql``;
	const where = sql`instrument_id = ${q.instrument} and scale = ${q.scale} and series = ${q.series} and measure = ${q.measure} ${cond}`;
	// The histogram plus the differences not folded into it yet. The inner ORDER BY steers the plan
	// to sort-then-group (chosen with and without statistics, measured): the histogram's rows come
	// from its key index already in order, so the sort finds them sorted (or nearly, when
	// differences are pending).
	// Left to itself, once the table is analysed, the planner hashed the 9,000 counts of a chart and
	// then sorted them from hash order: 10.5 ms instead of 5.7 ms (PostgreSQL's own time, 20,000
	// patients, docs/performance.md).
	const rows = await executeRows(db, sql`
		select condition_code, x, value, sum(n)::int as n from (
			select condition_code, x, value, n from scale_histogram where ${where} and n > 0
			union all
			select condition_code, x, value, n from scale_histogram_delta where ${where}
			order by condition_code, x, value
		) h
		group by condition_code, x, value
		having sum(n) > 0
		order by condition_code, x, value`);
	// Both drivers already give numbers for int and float8; converted in place when not (a chart
	// reads thousands of rows: a copy of each was a tenth of its time, in garbage collection).
	for (const r of rows) {
		if (typeof r.x !== 'number') r.x = Number(r.x);
		if (typeof r.value !== 'number') r.value = Number(r.value);
		if (typeof r.n !== 'number') r.n = Number(r.n);
	}
	return rows as unknown as HistogramRow[];
}
