/**
 * The anonymised export: one row per patient × visit × instrument × scale, with generalised
 * quasi-identifiers, a pseudonym instead of any identifier, and no calendar dates or free text.
 * Rows are read a batch of patients at a time, so memory stays flat at any size.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { sql, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { executeRows, type Db } from '../db';
import { copyOut, type CopyClient } from '../db/copy';
import { patientSelection } from '../patients';
import { CONDITION_KEPT, generaliseGroups, generalised, keyOf, type QuasiIdentifiers } from '../../export/anonymise';
import { edgesHold, inPeriod, periodEdges } from '../../privacy/periods';
import { csvLine } from '../../export/csv';
import { answerCellSql, csvCellSql, neutralisedSql } from './cells';
import { getInstrument } from '../../instruments';

export interface ExportOptions {
	instruments: string[];
	conditions: string[];
	enrolledFrom?: string;
	enrolledTo?: string;
	includeItems: boolean;
	pseudonyms: 'stable' | 'unlinkable';
	k: number;
	/**
	 * Admins only: day-precise enrolment filters and the whole generalisation ladder. Otherwise the
	 * enrolment filters must be whole quarters, conditions are never widened to *, and a group is
	 * left out when a quarter next to the period's edges holds 1..k−1 of its patients (planExport).
	 */
	unrestricted?: boolean;
}

/** The selection's patients; with `allPeriods`, of every enrolment period (the plan's edge rule needs them). */
function patientFilter(o: ExportOptions, allPeriods = false): SQL {
	return sql.join([sql`true`, ...patientSelection(allPeriods ? { conditions: o.conditions } : o)], sql` and `);
}
export const instrumentFilter = (o: ExportOptions) => sql`r.instrument_id in (${sql.join(o.instruments.map((i) => sql`${i}`), sql`, `)})`;

export const BASE_COLUMNS = ['pseudonym', 'condition', 'sex', 'age_band', 'visit_number', 'days_since_baseline', 'visit_kind', 'acupuncture_sessions', 'flare', 'instrument', 'instrument_version', 'scale', 'score', 'source'] as const;

export function itemColumns(o: ExportOptions): string[] {
	if (!o.includeItems) return [];
	return o.instruments.flatMap((id) => (getInstrument(id)?.items ?? []).map((item) => `${id}__${item.key}`));
}

export interface ExportPlan {
	patients: number;
	rows: number;
	suppressedPatients: number;
	generalisedPatients: number;
	smallestGroup: number | null;
	/** The exported patients in id order, 16 bytes each (so a plan of 200,000 patients is 3 MB). */
	ids: Buffer;
	/** Each exported patient's group (index into `groups`). */
	groupOf: Uint32Array;
	/** Distinct quasi-identifiers with their generalisation level. */
	groups: { q: QuasiIdentifiers; level: number }[];
	columns: string[];
}

/** The 16 bytes at `at` as a uuid's text. */
export function uuidText(b: Buffer, at: number): string {
	const h = b.toString('hex', at, at + 16);
	return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * The exported patient at position `j` of the plan (id order): its id, and its first four cells —
 * pseudonym, generalised condition, sex and age band — CSV-escaped, without the comma after them.
 */
function patientCells(plan: ExportPlan, j: number, pseudonym: (id: string) => string): { id: string; cells: string } {
	const group = plan.groups[plan.groupOf[j]!]!;
	const g = generalised(group.q, group.level);
	const id = uuidText(plan.ids, j * 16);
	return { id, cells: csvLine([pseudonym(id), g.condition, g.sex, g.ageBand]).slice(0, -2) };
}

/**
 * Who is exported and how far their quasi-identifiers are generalised. Age is whole years at the
 * patient's baseline (first non-voided visit with a selected instrument). `countRows` (the
 * preview) also counts the rows the file will have; the download does not need the count and
 * skips the scores, which halves the work done before the first byte. (A response always has a
 * score row per scale of its instrument — null when too few items were answered — so "has a
 * response" is the same visits as "has score rows", and the same test the file's rows use.)
 *
 * Below admin the groups are generalised over every enrolment period of the selection, so a
 * patient's group is the same whatever period is asked; the period then picks patients by their
 * enrolment quarter, and a generalised group is left out when an edge of the period fails the
 * edge rule for it ($lib/privacy/periods): two allowed exports then differ, in every group they
 * show, by 0 or at least k patients.
 */
export async function planExport(db: Db, o: ExportOptions, { countRows = true }: { countRows?: boolean } = {}): Promise<ExportPlan> {
	const edges = o.unrestricted ? [] : periodEdges({ from: o.enrolledFrom, to: o.enrolledTo });
	const selection = patientFilter(o, !o.unrestricted);
	const quarter = sql`(extract(year from p.enrolled_on)::int * 4 + extract(quarter from p.enrolled_on)::int - 1)`;
	const perPatient = countRows
		? sql`
			select p.id, p.condition_code, p.sex, ${quarter} as quarter,
				extract(year from age(min(v.visit_date), p.date_of_birth))::int as age,
				count(rs.*)::int as rows
			from patients p
			join visits v on v.patient_id = p.id and not v.voided
			join responses r on r.visit_id = v.id and ${instrumentFilter(o)}
			join response_scores rs on rs.response_id = r.id
			where ${selection}
			group by p.id, p.condition_code, p.sex, p.date_of_birth, p.enrolled_on`
		: sql`
			select p.id, p.condition_code, p.sex, ${quarter} as quarter,
				extract(year from age(min(v.visit_date), p.date_of_birth))::int as age,
				0 as rows
			from patients p
			join visits v on v.patient_id = p.id and not v.voided
			where ${selection}
				and exists (select 1 from responses r where r.visit_id = v.id and ${instrumentFilter(o)})
			group by p.id, p.condition_code, p.sex, p.date_of_birth, p.enrolled_on`;
	// One row back, however many patients: the distinct (condition, sex, age, enrolment quarter)
	// groups with their sizes — all the generalisation and the edge rule need — and, in id order,
	// every patient's id as 16 bytes and group number. (As rows, 200,000 patients made 200,000
	// objects and the server's memory grew by about 100 MB before the first byte.)
	const [row] = await executeRows(
		db,
		sql`
			with per as materialized (${perPatient}),
			grp as (
				select condition_code, sex, age, quarter, count(*)::int as n, sum(rows)::bigint as rows,
					(row_number() over (order by condition_code, sex, age, quarter) - 1)::int as g
				from per group by condition_code, sex, age, quarter
			)
			select
				(select coalesce(json_agg(json_build_array(condition_code, sex, age, quarter, n, rows) order by g), '[]') from grp)::text as groups,
				(select string_agg(uuid_send(per.id), ''::bytea order by per.id) from per) as ids,
				(select string_agg(grp.g::text, ',' order by per.id) from per join grp using (condition_code, sex, age, quarter)) as group_of`
	);
	const groups = (JSON.parse(String(row?.groups ?? '[]')) as [string, string, number, number, number, number][]).map(([condition, sex, age, q, n, rows]) => ({
		q: { condition, sex, age: Number(age) } as QuasiIdentifiers,
		quarter: Number(q),
		n,
		rows: Number(rows)
	}));
	const ids = row?.ids ? Buffer.from(row.ids as Uint8Array) : Buffer.alloc(0);
	const count = ids.length / 16;
	const groupOf = new Uint32Array(count);
	if (count > 0) {
		const text = String(row!.group_of);
		let j = 0;
		let value = 0;
		for (let i = 0; i < text.length; i++) {
			const c = text.charCodeAt(i);
			if (c === 44) {
				groupOf[j++] = value;
				value = 0;
			} else value = value * 10 + (c - 48);
		}
		groupOf[j] = value;
	}
	const exported = exportedGroups(groups, o, edges);
	// Keep the exported patients only, renumbering the groups that stay.
	const kept: { q: QuasiIdentifiers; level: number }[] = [];
	const renumber = exported.levels.map((level, i) => (level === null ? -1 : kept.push({ q: groups[i]!.q, level }) - 1));
	let patients = 0;
	for (let j = 0; j < count; j++) {
		const to = renumber[groupOf[j]!]!;
		if (to < 0) continue;
		ids.copy(ids, patients * 16, j * 16, j * 16 + 16);
		groupOf[patients++] = to;
	}
	return {
		patients,
		rows: groups.reduce((a, grp, i) => a + (exported.levels[i] === null ? 0 : grp.rows), 0),
		suppressedPatients: exported.suppressedPatients,
		generalisedPatients: exported.generalisedPatients,
		smallestGroup: exported.smallestGroup,
		ids: ids.subarray(0, patients * 16),
		groupOf: groupOf.subarray(0, patients),
		groups: kept,
		columns: [...BASE_COLUMNS, ...itemColumns(o)]
	};
}

/**
 * Each (condition, sex, age, quarter) group's level, or null when its patients are left out: the
 * quasi-identifiers are generalised over all the groups' quarters together; below admin the
 * period then keeps its own quarters, and a generalised cell only when the period's edges pass
 * the edge rule for it. (Admins' plans hold their period's patients only: no group is outside.)
 */
function exportedGroups(groups: { q: QuasiIdentifiers; quarter: number; n: number }[], o: ExportOptions, edges: number[]) {
	const byQuasi = new Map<string, number>();
	const quasi: { q: QuasiIdentifiers; n: number }[] = [];
	const quasiOf = groups.map((grp) => {
		const key = `${grp.q.condition}\u0000${grp.q.sex}\u0000${grp.q.age}`;
		let i = byQuasi.get(key);
		if (i === undefined) byQuasi.set(key, (i = quasi.push({ q: grp.q, n: 0 }) - 1));
		quasi[i]!.n += grp.n;
		return i;
	});
	const g = generaliseGroups(quasi, o.k, o.unrestricted ? undefined : CONDITION_KEPT);
	const cellOf = groups.map((grp, i) => {
		const level = g.levels[quasiOf[i]!];
		return level === null || level === undefined ? null : keyOf(generalised(grp.q, level));
	});
	// Each generalised cell's patients per enrolment quarter, over every quarter.
	const perQuarter = new Map<string, Map<number, number>>();
	groups.forEach((grp, i) => {
		const cell = cellOf[i];
		if (cell === null || cell === undefined) return;
		const counts = perQuarter.get(cell) ?? new Map<number, number>();
		counts.set(grp.quarter, (counts.get(grp.quarter) ?? 0) + grp.n);
		perQuarter.set(cell, counts);
	});
	const period = o.unrestricted ? {} : { from: o.enrolledFrom, to: o.enrolledTo };
	const cellShown = new Map([...perQuarter].map(([cell, counts]) => [cell, edgesHold([...counts], edges, o.k)]));
	const levels: (number | null)[] = [];
	const shownSizes = new Map<string, number>();
	let suppressedPatients = 0;
	let generalisedPatients = 0;
	for (const [i, grp] of groups.entries()) {
		const cell = cellOf[i] ?? null;
		const level = g.levels[quasiOf[i]!] ?? null;
		const inside = inPeriod(grp.quarter, period);
		const shown = inside && cell !== null && level !== null && cellShown.get(cell) === true;
		levels.push(shown ? level : null);
		if (inside && !shown) suppressedPatients += grp.n;
		if (!shown) continue;
		if (level! > 0) generalisedPatients += grp.n;
		shownSizes.set(cell!, (shownSizes.get(cell!) ?? 0) + grp.n);
	}
	const sizes = [...shownSizes.values()];
	return { levels, suppressedPatients, generalisedPatients, smallestGroup: sizes.length ? Math.min(...sizes) : null };
}

export function pseudonymiser(mode: ExportOptions['pseudonyms'], stableSecret: string): (patientId: string) => string {
	const key = mode === 'stable' ? stableSecret : randomBytes(32).toString('hex');
	return (patientId) => createHmac('sha256', key).update(patientId).digest('hex');
}

/**
 * The CSV, header first, then one chunk per batch of `batch` patients. PostgreSQL formats each
 * batch's rows into one string, so no per-row objects are made here: memory stays flat and
 * throughput close to the database's own COPY. The pseudonyms and generalised quasi-identifiers,
 * computed (and CSV-escaped) here per patient, travel with the batch as one JSON parameter; every
 * other cell is a number from a numeric column or a text cell neutralised and quoted by the
 * database (cells.ts) — the CHECKs keep codes, versions and answers plain, but the file does not
 * rely on them.
 */
async function* batchChunks(db: Db, o: ExportOptions, plan: ExportPlan, secret: string, batch: number): AsyncGenerator<{ data: string; rows: number }> {
	const pseudonym = pseudonymiser(o.pseudonyms, secret);
	const items = itemColumns(o).map((col) => col.split('__') as [string, string]);
	// The item cells as one argument of concat() (which takes at most 100: RAND-36 alone has 36 items).
	const itemCells = items.length === 0 ? sql`` : sql.raw(`, ${items.map(([id, key]) => `',' || case when r.instrument_id = ${literal(id)} then coalesce(${answerCellSql(key, csvCellSql)}, '') else '' end`).join(' || ')}`);
	const fetchBatch = async (i: number): Promise<{ data: string; rows: number }> => {
		const meta = [];
		for (let j = i; j < Math.min(i + batch, plan.patients); j++) {
			const p = patientCells(plan, j, pseudonym);
			meta.push({ patient_id: p.id, prefix: p.cells + ',' });
		}
		const [row] = await executeRows(
			db,
			sql`
				with meta as (
					select * from json_to_recordset(${JSON.stringify(meta)}::json) as m(patient_id uuid, prefix text)
				), pv as (
					select v.id, v.patient_id, v.kind, v.acupuncture_sessions, v.flare,
						row_number() over w as visit_number, v.visit_date - first_value(v.visit_date) over w as days
					from visits v
					where v.patient_id = any(${`{${meta.map((m) => m.patient_id).join(',')}}`}::uuid[]) and not v.voided
						and exists (select 1 from responses r where r.visit_id = v.id and ${instrumentFilter(o)})
					window w as (partition by v.patient_id order by v.visit_date, v.created_at, v.id)
				)
				select count(*)::int as rows, coalesce(string_agg(concat(
						m.prefix,
						pv.visit_number, ',', pv.days, ',', ${sql.raw(csvCellSql('pv.kind'))}, ',', pv.acupuncture_sessions, ',', ${sql.raw(csvCellSql('pv.flare'))}, ',',
						${sql.raw(csvCellSql('r.instrument_id'))}, ',', ${sql.raw(csvCellSql('r.instrument_version'))}, ',', ${sql.raw(csvCellSql('rs.scale'))}, ',', coalesce(rs.value::text, ''), ',', ${sql.raw(csvCellSql('r.source'))}
						${itemCells}, E'\r\n'),
					'' order by pv.patient_id, pv.visit_number, r.instrument_id collate "C", rs.scale collate "C"), '') as text
				from pv
				join meta m on m.patient_id = pv.patient_id
				join responses r on r.visit_id = pv.id and ${instrumentFilter(o)}
				join response_scores rs on rs.response_id = r.id`
		);
		return { data: row ? String(row.text) : '', rows: row ? Number(row.rows) : 0 };
	};

	// Two batches in flight: the database formats the next while this one is sent.
	// (A rejection is handled where the batch is awaited; the no-op catch keeps an abandoned
	// prefetch from becoming an unhandled rejection.)
	const start = (i: number) => {
		const p = fetchBatch(i);
		p.catch(() => {});
		return p;
	};
	let next = plan.patients > 0 ? start(0) : null;
	for (let i = 0; next; i += batch) {
		const current = await next;
		next = i + batch < plan.patients ? start(i + batch) : null;
		if (current.rows > 0) yield current;
	}
}


/** Output pieces of about this many bytes. */
const COPY_PIECE = 64 * 1024;

const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;
const dialect = new PgDialect();

/** The postgres.js client behind a drizzle handle, when there is one (PGlite has no COPY TO STDOUT). */
function copyClient(db: Db): CopyClient | null {
	const client = (db as unknown as { $client?: { unsafe?: unknown; query?: unknown } }).$client;
	return client && typeof client.unsafe === 'function' ? (client as unknown as CopyClient) : null;
}

/**
 * With PostgreSQL: the same rows as `batchChunks`, the database's own CSV writer (COPY … TO
 * STDOUT) producing every row in one statement — the same plan as the plain COPY the benchmark
 * compares with, so nothing is scanned twice. COPY takes no parameters, and the pseudonyms and
 * generalised quasi-identifiers must not travel in a statement's text (logs and pg_stat_activity
 * would link them to patient ids), so each row starts with the patient's id and the statement
 * sorts by it; here that id is replaced by the patient's first four cells, made once per patient
 * from the plan (walked in the same id order, so no lookup table), and the rows of patients the
 * plan leaves out (suppressed groups, or patients added since the plan) are dropped. Line ends
 * become CRLF on the way. COPY quotes; every text cell is neutralised in the statement
 * (cells.ts). A download abandoned half-way cancels the statement (`copyOut`).
 */
async function* copyChunks(client: CopyClient, o: ExportOptions, plan: ExportPlan, secret: string): AsyncGenerator<{ data: Uint8Array; rows: number }> {
	if (plan.patients === 0) return;
	const pseudonym = pseudonymiser(o.pseudonyms, secret);
	const instruments = o.instruments.map(literal).join(', ');
	const items = itemColumns(o).map((col) => {
		const [id, key] = col.split('__') as [string, string];
		return `, case when r.instrument_id = ${literal(id)} then ${answerCellSql(key, neutralisedSql)} end`;
	});
	// The option filters (codes and dates, already validated) inlined by drizzle's own escaping.
	const filter = dialect.sqlToQuery(patientFilter(o).inlineParams()).sql;
	const query = `/* export ${randomUUID()} */ copy (
		with pv as (
			select v.id, v.patient_id, v.kind, v.acupuncture_sessions, v.flare,
				row_number() over w as visit_number, v.visit_date - first_value(v.visit_date) over w as days
			from visits v
			join patients p on p.id = v.patient_id
			where not v.voided and ${filter}
				and exists (select 1 from responses r where r.visit_id = v.id and r.instrument_id in (${instruments}))
			window w as (partition by v.patient_id order by v.visit_date, v.created_at, v.id)
		)
		select pv.patient_id, pv.visit_number, pv.days, ${neutralisedSql('pv.kind')}, pv.acupuncture_sessions, ${neutralisedSql('pv.flare')},
			${neutralisedSql('r.instrument_id')}, ${neutralisedSql('r.instrument_version')}, ${neutralisedSql('rs.scale')}, rs.value, ${neutralisedSql('r.source')} ${items.join(' ')}
		from pv
		join responses r on r.visit_id = pv.id and r.instrument_id in (${instruments})
		join response_scores rs on rs.response_id = r.id
		order by pv.patient_id, pv.visit_number, r.instrument_id collate "C", rs.scale collate "C"
	) to stdout with (format csv)`;

	const ID = 36; // a uuid's text
	let j = 0; // the plan's next patient
	const current = Buffer.alloc(ID); // the id of the rows being read (zeros, which no id equals, at first)
	let prefix: Buffer | null = null; // its first four cells, or null: its rows are dropped
	const nextPatient = (text: string) => {
		while (j < plan.patients && uuidText(plan.ids, j * 16) < text) j++;
		// The row's own comma follows the id, so it follows the cells too.
		return j < plan.patients && uuidText(plan.ids, j * 16) === text ? Buffer.from(patientCells(plan, j++, pseudonym).cells, 'latin1') : null;
	};
	let out = Buffer.allocUnsafe(4 * COPY_PIECE);
	let pos = 0;
	let rows = 0;
	let rest: Buffer | null = null; // a row split across two reads (postgres.js gives whole rows; kept general)
	for await (const piece of copyOut(client, query)) {
		const chunk: Buffer = rest ? Buffer.concat([rest, piece]) : piece;
		rest = null;
		let s = 0;
		while (s < chunk.length) {
			const end = chunk.indexOf(10, s);
			if (end === -1) {
				rest = chunk.subarray(s);
				break;
			}
			if (chunk.compare(current, 0, ID, s, s + ID) !== 0) {
				chunk.copy(current, 0, s, s + ID);
				prefix = nextPatient(current.toString('latin1'));
			}
			if (prefix) {
				const need = prefix.length + (end - s - ID) + 2;
				if (pos + need > out.length) {
					yield { data: out.subarray(0, pos), rows };
					out = Buffer.allocUnsafe(Math.max(4 * COPY_PIECE, need));
					pos = 0;
					rows = 0;
				}
				pos += prefix.copy(out, pos);
				pos += chunk.copy(out, pos, s + ID, end);
				out[pos++] = 13;
				out[pos++] = 10;
				rows++;
			}
			s = end + 1;
		}
		if (pos >= COPY_PIECE) {
			yield { data: out.subarray(0, pos), rows };
			out = Buffer.allocUnsafe(4 * COPY_PIECE);
			pos = 0;
			rows = 0;
		}
	}
	if (pos > 0) yield { data: out.subarray(0, pos), rows };
}

export interface ExportChunk {
	data: string | Uint8Array;
	/** Data rows in this chunk (the header counts 0). */
	rows: number;
}

/**
 * The CSV, header first: by one COPY with PostgreSQL, by formatted batches of `batch` patients
 * with PGlite (or when `method` says so) — the same bytes either way.
 */
export async function* exportChunks(db: Db, o: ExportOptions, plan: ExportPlan, secret: string, method: 'auto' | 'batch' = 'auto', batch?: number): AsyncGenerator<ExportChunk> {
	yield { data: csvLine(plan.columns), rows: 0 };
	const client = method === 'auto' ? copyClient(db) : null;
	yield* client ? copyChunks(client, o, plan, secret) : batchChunks(db, o, plan, secret, batch ?? 200);
}

/** The CSV as text (for tests and small exports). */
export async function* exportLines(db: Db, o: ExportOptions, plan: ExportPlan, secret: string, method: 'auto' | 'batch' = 'auto', batch?: number): AsyncGenerator<string> {
	const decoder = new TextDecoder();
	for await (const chunk of exportChunks(db, o, plan, secret, method, batch)) yield typeof chunk.data === 'string' ? chunk.data : decoder.decode(chunk.data, { stream: true });
}
