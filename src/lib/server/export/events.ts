/**
 * The anonymised export's second file: one row per live adverse event or flare episode of the
 * patients the main file exports — the same plan (planExport), so the same patients, the same k
 * rules and generalisation (a patient left out there is left out here), the same pseudonyms and
 * the same baseline (their first exported visit). Only codes, counts of days and yes/no: no
 * calendar date, no note, no "other" specification, no visit link.
 *
 * The pseudonyms must match the main file's, so this file exists with stable pseudonyms only: an
 * unlinkable key is new for every download, and two downloads could never be joined.
 *
 * The same on both drivers: the rows of a batch of patients are read as values and written here
 * with csvLine (which neutralises formula-like cells); event rows are few beside the main file's.
 */
import { sql } from 'drizzle-orm';
import { executeRows, type Db } from '../db';
import { csvLine } from '../../export/csv';
import { instrumentFilter, pseudonymiser, uuidText, type ExportChunk, type ExportOptions, type ExportPlan } from '.';

export const EVENT_COLUMNS = [
	'pseudonym',
	'record',
	'days_since_baseline',
	'category',
	'severity',
	'serious',
	'seriousness_criteria',
	'relatedness',
	'action_taken',
	'outcome',
	'days_to_end',
	'ongoing',
	'triggers',
	'treatment_changed'
] as const;

export const EVENTS_NEED_STABLE = 'The events file is joined to the main file by pseudonym, so it needs stable pseudonyms (unlinkable ones are new at every download).';

const yesNo = (x: unknown) => (x === null || x === undefined ? null : x ? 'yes' : 'no');
const text = (x: unknown) => (x === null || x === undefined ? null : String(x));
const int = (x: unknown) => (x === null || x === undefined ? null : Number(x));

async function batchRows(db: Db, o: ExportOptions, ids: string[]) {
	return executeRows(
		db,
		sql`
			with b as (
				select v.patient_id, min(v.visit_date) as baseline
				from visits v
				where v.patient_id = any(${`{${ids.join(',')}}`}::uuid[]) and not v.voided
					and exists (select 1 from responses r where r.visit_id = v.id and ${instrumentFilter(o)})
				group by v.patient_id
			)
			select * from (
				select e.patient_id, 'adverse_event' as record, (e.onset_on - b.baseline)::int as days, e.category_code as category, e.severity,
					e.serious, array_to_string(array(select c from unnest(e.serious_criteria) c order by c collate "C"), ';') as criteria,
					e.relatedness, e.action_taken, e.outcome, (e.resolved_on - e.onset_on)::int as days_to_end,
					null::boolean as ongoing, null::text as triggers, null::boolean as treatment_changed, e.id
				from adverse_events e join b on b.patient_id = e.patient_id
				where not e.voided
				union all
				select f.patient_id, 'flare', (f.onset_on - b.baseline)::int, null, f.severity,
					null, null,
					null, null, null, (f.ended_on - f.onset_on)::int,
					f.ended_on is null, array_to_string(array(select t from unnest(f.triggers) t order by t collate "C"), ';'), f.treatment_changed, f.id
				from flare_episodes f join b on b.patient_id = f.patient_id
				where not f.voided
			) x
			order by x.patient_id, x.days, x.record collate "C", x.id`
	);
}

/** The events CSV, header first, then one chunk per batch of `batch` exported patients. */
export async function* eventChunks(db: Db, o: ExportOptions, plan: ExportPlan, secret: string, batch = 1000): AsyncGenerator<ExportChunk> {
	if (o.pseudonyms !== 'stable') throw new Error(EVENTS_NEED_STABLE);
	yield { data: csvLine([...EVENT_COLUMNS]), rows: 0 };
	const pseudonym = pseudonymiser(o.pseudonyms, secret);
	for (let i = 0; i < plan.patients; i += batch) {
		const ids: string[] = [];
		for (let j = i; j < Math.min(i + batch, plan.patients); j++) ids.push(uuidText(plan.ids, j * 16));
		const rows = await batchRows(db, o, ids);
		if (rows.length === 0) continue;
		const names = new Map<string, string>();
		let data = '';
		for (const r of rows) {
			const id = String(r.patient_id);
			let name = names.get(id);
			if (name === undefined) names.set(id, (name = pseudonym(id)));
			data += csvLine([
				name,
				text(r.record),
				int(r.days),
				text(r.category),
				text(r.severity),
				yesNo(r.serious),
				text(r.criteria),
				text(r.relatedness),
				text(r.action_taken),
				text(r.outcome),
				int(r.days_to_end),
				yesNo(r.ongoing),
				text(r.triggers),
				yesNo(r.treatment_changed)
			]);
		}
		yield { data, rows: rows.length };
	}
}
