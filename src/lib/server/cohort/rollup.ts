/**
 * The cohort rollup: `scale_histogram` counts, per instrument scale × condition × series × time
 * point × measure, how many patients have each exact value. Every clinical write that can move a
 * patient's points locks the patient (`lockPatients`), and, in its own transaction, appends the
 * signed difference its change makes to `scale_histogram_delta` — rows no other write touches, so
 * concurrent saves never wait on each other here. Readers add the pending differences to the
 * histogram; `foldRollupDeltas` moves them into it now and then (one folder at a time). The rollup
 * is therefore never stale. Bulk loads (seed) call `rebuildRollups`.
 *
 * The points are defined exactly as the plain SQL in ./index.ts defines them (baseline = first
 * non-voided visit with a value; visits numbered by date, then entry order; last value per week
 * bucket; change = value − baseline; responders from the latest visit when it is not the baseline).
 */
import { sql, type SQL } from 'drizzle-orm';
import { executeRows, type Db } from '../db';

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
function points(ids: string[] | null, instruments?: string[], exceptVisit?: string): SQL {
	const only = sql.join(
		[
			ids ? sql`and v.patient_id in (${uuidList(ids)})` : sql``,
			instruments ? sql`and rs.instrument_id in (${sql.join(instruments.map((i) => sql`${i}`), sql`, `)})` : sql``,
			exceptVisit ? sql`and v.id <> ${exceptVisit}::uuid` : sql``
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

function grouped(ids: string[] | null, instruments?: string[], exceptVisit?: string): SQL {
	return sql`
		select instrument_id, scale, condition_code, series, x, measure, value, count(*)::int as n
		from (${points(ids, instruments, exceptVisit)}) pts
		group by instrument_id, scale, condition_code, series, x, measure, value`;
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
	if (deltas.length === 0) return;
	await tx.execute(sql`
		insert into scale_histogram_delta (${COLUMNS})
		select ${COLUMNS} from json_to_recordset(${JSON.stringify(deltas)}::json)
			as d(instrument_id text, scale text, condition_code text, series text, x int, measure text, value float8, n int)`);
	pending += 1;
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
}

const DAY_MS = 86_400_000;
const days = (from: string, to: string) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);

/**
 * What `visitAddedDeltas` needs, per scale the new visit has a value on: its value, the patient's
 * condition, and over the patient's other visits the count, baseline, latest value, and whether
 * any comes after the new one. One plain statement — the patient's values of these instruments in
 * the points' order — summarised here (a caller may send it along with the inserts).
 */
export async function visitAddedFacts(tx: Db, patientId: string, visitId: string, instruments: string[]): Promise<Record<string, unknown>[]> {
	const only = [...new Set(instruments)];
	if (only.length === 0) return [];
	const rows = await executeRows(
		tx,
		sql`
		select rs.instrument_id, rs.scale, v.id as visit_id, v.visit_date::text as visit_date, rs.value, p.condition_code
		from visits v
		join patients p on p.id = v.patient_id
		join responses r on r.visit_id = v.id
		join response_scores rs on rs.response_id = r.id
		where v.patient_id = ${patientId}::uuid and not v.voided and rs.value is not null
			and rs.instrument_id in (${sql.join(only.map((i) => sql`${i}`), sql`, `)})
		order by rs.instrument_id, rs.scale, v.visit_date, v.created_at, v.id`
	);
	const byScale = new Map<string, Record<string, unknown>[]>();
	for (const r of rows) {
		const key = `${r.instrument_id}|${r.scale}`;
		const list = byScale.get(key);
		if (list) list.push(r);
		else byScale.set(key, [r]);
	}
	const facts: Record<string, unknown>[] = [];
	for (const list of byScale.values()) {
		list.forEach((r, i) => {
			if (String(r.visit_id) !== visitId) return;
			const others = list.filter((o) => String(o.visit_id) !== visitId);
			const first = others[0];
			const last = others[others.length - 1];
			facts.push({
				instrument_id: r.instrument_id,
				scale: r.scale,
				value: r.value,
				visit_date: r.visit_date,
				condition_code: r.condition_code,
				n: others.length,
				base_value: first?.value ?? null,
				base_date: first?.visit_date ?? null,
				last_value: last?.value ?? null,
				last_date: last?.visit_date ?? null,
				later: list.slice(i + 1).some((o) => String(o.visit_id) !== visitId)
			});
		});
	}
	return facts;
}

/**
 * The rollup difference a new visit makes, once it is inserted (with its responses and scores)
 * and the patient is locked, from `visitAddedFacts`. The common case — the visit comes after every
 * other visit of the patient with a value on that scale — changes a handful of counts exactly as
 * `points` would: a new visit number, the week bucket it falls in (replacing the previous latest
 * visit's value when that was in the same bucket), and the latest change. A visit entered out of
 * date order falls back to reading the patient's points without and with it.
 */
export async function visitAddedDeltas(tx: Db, patientId: string, visitId: string, instruments: string[], rows: Record<string, unknown>[]): Promise<Point[]> {
	const only = [...new Set(instruments)];
	const scales = new Set(rows.map((r) => `${r.instrument_id}|${r.scale}`));
	if (scales.size !== rows.length || rows.some((r) => r.later === true)) {
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
	if (ids.length > 0) await adjust(tx, [...new Set(ids)], 1);
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
		pending = 0;
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
	});
}

/** Folds when this process has appended enough differences since the last fold. */
export async function foldIfDue(db: Db, every = 200): Promise<void> {
	if (pending >= every) await foldRollupDeltas(db);
}

/** Recomputes the whole histogram from the raw tables (after a bulk load, or a new definition). */
export async function rebuildRollups(db: Db): Promise<void> {
	await db.transaction(async (tx) => {
		await tx.execute(sql`select pg_advisory_xact_lock(${FOLD_LOCK_KEY})`);
		await tx.execute(sql`delete from scale_histogram`);
		// One statement, one snapshot: differences committed before it are in the raw tables it
		// reads and are deleted; later ones are in neither.
		await tx.execute(sql`
			with d as (delete from scale_histogram_delta)
			insert into scale_histogram (${COLUMNS}) ${grouped(null)}`);
		await tx.execute(sql`
			insert into rollup_state (name, version, built_at) values ('scale_histogram', ${ROLLUP_VERSION}, now())
			on conflict (name) do update set version = excluded.version, built_at = excluded.built_at`);
	});
	pending = 0;
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
	const cond = q.conditions.length > 0 ? sql`and condition_code in (${sql.join(q.conditions.map((c) => sql`${c}`), sql`, `)})` : sql``;
	const where = sql`instrument_id = ${q.instrument} and scale = ${q.scale} and series = ${q.series} and measure = ${q.measure} ${cond}`;
	// The histogram plus the differences not folded into it yet.
	const rows = await executeRows(db, sql`
		select condition_code, x, value, sum(n)::int as n from (
			select condition_code, x, value, n from scale_histogram where ${where} and n > 0
			union all
			select condition_code, x, value, n from scale_histogram_delta where ${where}
		) h
		group by condition_code, x, value
		having sum(n) > 0
		order by condition_code, x, value`);
	return rows.map((r) => ({ condition_code: String(r.condition_code), x: Number(r.x), value: Number(r.value), n: Number(r.n) }));
}
