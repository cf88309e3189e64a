/**
 * The fields a CSV column can be mapped to, how a header is matched to a field, and the rules a
 * mapping must meet. Pure: shared by the import page and the server.
 */
import { bundledInstruments } from '../instruments/registry';

export interface ImportField {
	key: string;
	label: string;
	group: 'patient' | 'visit' | 'answers';
	/** Must be mapped before a dry run. */
	required: boolean;
	/** What the column may hold, in our own words (for the page and the codebook). */
	accepts: string;
	aliases?: string[];
	instrumentId?: string;
	itemKey?: string;
}

const BASE_FIELDS: ImportField[] = [
	{ key: 'clinic_ref', label: 'Clinic reference', group: 'patient', required: true, accepts: 'The clinic’s own patient reference, up to 40 characters. Rows with the same reference (any case) are one patient; an existing patient with that reference is matched.', aliases: ['clinic_reference', 'reference', 'ref', 'patient_ref', 'patient_id', 'mrn', 'record_number'] },
	{ key: 'name', label: 'Name', group: 'patient', required: false, accepts: 'Required for a new patient; up to 200 characters. Ignored for an existing patient.', aliases: ['patient_name', 'full_name'] },
	{ key: 'date_of_birth', label: 'Date of birth', group: 'patient', required: false, accepts: 'Required for a new patient. For an existing patient it must match the stored date (a guard against the wrong patient).', aliases: ['dob', 'birth_date', 'birthdate', 'born'] },
	{ key: 'sex', label: 'Sex', group: 'patient', required: false, accepts: 'Required for a new patient: female, male, other or unknown (F and M are accepted).', aliases: ['gender'] },
	{ key: 'condition', label: 'Condition', group: 'patient', required: false, accepts: 'Required for a new patient: a condition code or name as listed in the codebook (any case).', aliases: ['condition_code', 'diagnosis'] },
	{ key: 'enrolled_on', label: 'Enrolment date', group: 'patient', required: false, accepts: 'Optional; when blank for a new patient, the patient’s earliest visit date in the file. Ignored for an existing patient.', aliases: ['enrolment_date', 'enrollment_date', 'enrolled', 'enrolment', 'enrollment'] },
	{ key: 'visit_date', label: 'Visit date', group: 'visit', required: true, accepts: 'The visit’s date; not before enrolment or birth, not in the future. One visit per patient per date.', aliases: ['date', 'visit', 'date_of_visit'] },
	{ key: 'visit_kind', label: 'Kind of visit', group: 'visit', required: true, accepts: 'baseline, treatment or follow_up (Follow-up and follow up are accepted).', aliases: ['kind', 'visit_type', 'type'] },
	{ key: 'acupuncture_sessions', label: 'Acupuncture sessions since the last visit', group: 'visit', required: true, accepts: 'A whole number from 0 to 200.', aliases: ['sessions', 'acupuncture', 'sessions_since_last_visit'] },
	{ key: 'flare', label: 'Flare since the last visit', group: 'visit', required: false, accepts: 'yes, no or unknown (Y and N are accepted); blank means unknown.', aliases: ['flare_up', 'flared'] },
	{ key: 'note', label: 'Note', group: 'visit', required: false, accepts: 'Free text up to 4000 characters; shown to clinicians only, never exported.', aliases: ['notes', 'comment', 'comments'] }
];

/** Item columns are named `<instrument>__<item>`, as in the anonymised export. */
export function itemField(instrumentId: string, itemKey: string): string {
	return `${instrumentId}__${itemKey}`;
}

/**
 * Answers map to the built-in instruments' items only, read from the bundled files: the server and
 * the browser then offer the same columns, whether or not a clinic's uploads were installed when
 * this module loaded. (Uploaded instruments are entered by hand or self-report, not imported.)
 */
export const IMPORT_FIELDS: ImportField[] = [
	...BASE_FIELDS,
	...bundledInstruments().flatMap((def) =>
		def.items.map((item) => ({
			key: itemField(def.id, item.key),
			label: `${def.shortName}: ${item.label}`,
			group: 'answers' as const,
			required: false,
			accepts: `${item.codes ?? `${item.min}–${item.max}`}${item.step < 1 ? ` in steps of ${item.step}` : ''}${item.unit ? ` (${item.unit})` : ''}; blank means not answered.`,
			aliases: [`${def.id}_${item.key}`, `${def.id}_item${item.key}`, `${def.id}_q${item.key}`],
			instrumentId: def.id,
			itemKey: item.key
		}))
	)
];

export const FIELD_BY_KEY = new Map(IMPORT_FIELDS.map((f) => [f.key, f]));

/** A header as compared: lower case, accents dropped, runs of other characters as one `_`. */
export function headerKey(header: string): string {
	return header
		.normalize('NFD')
		.replace(/[\u0300-\u036f]/g, '')
		.toLowerCase()
		.replace(/[^a-z0-9]+/g, '_')
		.replace(/^_+|_+$/g, '');
}

const BY_ALIAS = new Map<string, string>();
for (const f of IMPORT_FIELDS) {
	BY_ALIAS.set(headerKey(f.key), f.key);
	BY_ALIAS.set(headerKey(f.label), f.key);
	for (const a of f.aliases ?? []) if (!BY_ALIAS.has(a)) BY_ALIAS.set(a, f.key);
}

/** The mapping: for each column of the file, the field it feeds, or null to ignore it. */
export type Mapping = (string | null)[];

/**
 * Proposes a field for each header: the one remembered for that header from earlier imports
 * first, else a match on the field's name or a common alias. A field is proposed only once.
 */
export function proposeMapping(headers: string[], remembered: Record<string, string | null> = {}): Mapping {
	const used = new Set<string>();
	return headers.map((h) => {
		const key = headerKey(h);
		const field = key in remembered ? remembered[key] : BY_ALIAS.get(key);
		if (!field || !FIELD_BY_KEY.has(field) || used.has(field)) return null;
		used.add(field);
		return field;
	});
}

export type MappingErrors = { [column: number]: string; form?: string };

/** Every required field mapped, no field twice, only known fields. Empty when the mapping is usable. */
export function checkMapping(headers: string[], mapping: Mapping): MappingErrors {
	const errors: MappingErrors = {};
	const seen = new Map<string, number>();
	mapping.forEach((field, i) => {
		if (field === null) return;
		if (!FIELD_BY_KEY.has(field)) errors[i] = 'Unknown field.';
		else if (seen.has(field)) errors[i] = `Already mapped from column “${headers[seen.get(field)!]}”.`;
		else seen.set(field, i);
	});
	const missing = IMPORT_FIELDS.filter((f) => f.required && !seen.has(f.key)).map((f) => f.label);
	if (missing.length > 0) errors.form = `Map a column to: ${missing.join(', ')}.`;
	return errors;
}

export type DateFormat = 'iso' | 'dmy' | 'mdy';
export const DATE_FORMATS: [DateFormat, string][] = [
	['iso', 'YYYY-MM-DD'],
	['dmy', 'DD/MM/YYYY'],
	['mdy', 'MM/DD/YYYY']
];

/** What a dry run found (or a commit wrote). */
export interface ImportSummary {
	rows: number;
	accepted: number;
	rejected: number;
	skipped: number;
	/** Stored report lines (rejected and skipped), counted even beyond the report's cap. */
	issues: number;
	patientsNew: number;
	patientsExisting: number;
	visits: number;
	responses: number;
}
