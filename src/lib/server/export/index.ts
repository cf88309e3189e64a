/**
 * The anonymised export: one row per patient × visit × instrument × scale, with generalised
 * quasi-identifiers, a pseudonym instead of any identifier, and no calendar dates or free text.
 * Rows are read a batch of patients at a time, so memory stays flat at any size.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { sql, type SQL } from 'drizzle-orm';
import { executeRows, type Db } from '../db';
import { patientSelection } from '../patients';
import { generaliseToK, generalised, type QuasiIdentifiers } from '../../export/anonymise';
import { csvLine } from '../../export/csv';
import { getInstrument } from '../../instruments';

export interface ExportOptions {
	instruments: string[];
	conditions: string[];
	enrolledFrom?: string;
	enrolledTo?: string;
	includeItems: boolean;
	pseudonyms: 'stable' | 'unlinkable';
	k: number;
}


function patientFilter(o: ExportOptions): SQL {
	return sql.join([sql`true`, ...patientSelection(o)], sql` and `);
}
const instrumentFilter = (o: ExportOptions) => sql`r.instrument_id in (${sql.join(o.instruments.map((i) => sql`${i}`), sql`, `)})`;

export const BASE_COLUMNS = ['pseudonym', 'condition', 'sex', 'age_band', 'visit_number', 'days_since_baseline', 'visit_kind', 'acupuncture_sessions', 'flare', 'instrument', 'instrument_version', 'scale', 'score'] as const;

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
	levels: Map<string, number>;
	quasi: Map<string, QuasiIdentifiers>;
	columns: string[];
}

/**
 * Who is exported and how far their quasi-identifiers are generalised. Age is whole years at the
 * patient's baseline (first non-voided visit with a selected instrument).
 */
export async function planExport(db: Db, o: ExportOptions): Promise<ExportPlan> {
	const rows = await executeRows(
		db,
		sql`
			select p.id, p.condition_code, p.sex,
				extract(year from age(min(v.visit_date), p.date_of_birth))::int as age,
				count(rs.*)::int as rows
			from patients p
			join visits v on v.patient_id = p.id and not v.voided
			join responses r on r.visit_id = v.id and ${instrumentFilter(o)}
			join response_scores rs on rs.response_id = r.id
			where ${patientFilter(o)}
			group by p.id, p.condition_code, p.sex, p.date_of_birth`
	);
	const quasi = new Map<string, QuasiIdentifiers>(rows.map((r) => [String(r.id), { condition: String(r.condition_code), sex: String(r.sex), age: Number(r.age) }]));
	const g = generaliseToK(quasi, o.k);
	const kept = rows.filter((r) => g.levels.has(String(r.id)));
	return {
		patients: kept.length,
		rows: kept.reduce((a, r) => a + Number(r.rows), 0),
		suppressedPatients: g.suppressed.length,
		generalisedPatients: g.generalisedPatients,
		smallestGroup: g.smallestGroup,
		levels: g.levels,
		quasi,
		columns: [...BASE_COLUMNS, ...itemColumns(o)]
	};
}

export function pseudonymiser(mode: ExportOptions['pseudonyms'], stableSecret: string): (patientId: string) => string {
	const key = mode === 'stable' ? stableSecret : randomBytes(32).toString('hex');
	return (patientId) => createHmac('sha256', key).update(patientId).digest('hex');
}

/** The CSV, header first, as lines; patients are read in batches of `batch`. */
export async function* exportLines(db: Db, o: ExportOptions, plan: ExportPlan, secret: string, batch = 500): AsyncGenerator<string> {
	const pseudonym = pseudonymiser(o.pseudonyms, secret);
	const items = itemColumns(o);
	yield csvLine(plan.columns);
	const ids = [...plan.levels.keys()].sort();
	for (let i = 0; i < ids.length; i += batch) {
		const slice = ids.slice(i, i + batch);
		const rows = await executeRows(
			db,
			sql`
				with pv as (
					select v.*, row_number() over w as visit_number, v.visit_date - first_value(v.visit_date) over w as days
					from visits v
					where v.patient_id in (${sql.join(slice.map((id) => sql`${id}::uuid`), sql`, `)}) and not v.voided
						and exists (select 1 from responses r where r.visit_id = v.id and ${instrumentFilter(o)})
					window w as (partition by v.patient_id order by v.visit_date, v.created_at, v.id)
				)
				select pv.patient_id, pv.visit_number, pv.days, pv.kind, pv.acupuncture_sessions, pv.flare,
					r.instrument_id, r.instrument_version, r.answers, rs.scale, rs.value
				from pv
				join responses r on r.visit_id = pv.id and ${instrumentFilter(o)}
				join response_scores rs on rs.response_id = r.id
				order by pv.patient_id, pv.visit_number, r.instrument_id, rs.scale`
		);
		for (const r of rows) {
			const patientId = String(r.patient_id);
			const q = generalised(plan.quasi.get(patientId)!, plan.levels.get(patientId)!);
			const answers = (r.answers ?? {}) as Record<string, number | null>;
			const instrumentId = String(r.instrument_id);
			yield csvLine([
				pseudonym(patientId),
				q.condition,
				q.sex,
				q.ageBand,
				Number(r.visit_number),
				Number(r.days),
				String(r.kind),
				Number(r.acupuncture_sessions),
				String(r.flare),
				instrumentId,
				String(r.instrument_version),
				String(r.scale),
				r.value === null ? null : Number(r.value),
				...items.map((col) => {
					const [id, key] = col.split('__') as [string, string];
					return id === instrumentId ? (answers[key] ?? null) : null;
				})
			]);
		}
	}
}

