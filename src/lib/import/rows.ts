/**
 * One CSV record → the patient, visit and item answers it holds, with every problem named by
 * line and column. The field rules are manual entry's own (valibot schemas in
 * validation/clinical); only the spellings a spreadsheet uses are translated first (dates in the
 * chosen format, "F"/"M", "Follow-up", "Y"/"N", condition names). Scoring happens on the server.
 */
import * as v from 'valibot';
import { parseAnswer } from '../validation/answers';
import { PATIENT_ENTRIES, VisitSchema, type VisitInput } from '../validation/clinical';
import { FIELD_BY_KEY, type DateFormat, type Mapping } from './fields';

export interface RowIssue {
	line: number;
	column: string;
	message: string;
}

export interface RowPatient {
	name?: string;
	dateOfBirth?: string;
	sex?: 'female' | 'male' | 'other' | 'unknown';
	conditionCode?: string;
	enrolledOn?: string;
}

export interface ParsedRow {
	line: number;
	clinicRef: string;
	/** Lower-case reference: references match whatever their case. */
	refKey: string;
	patient: RowPatient;
	visit: VisitInput;
	responses: { instrumentId: string; answers: Record<string, number | null> }[];
}

/** What a record is read with: the file's columns and the choices made on the mapping page. */
export interface RowContext {
	headers: string[];
	mapping: Mapping;
	dateFormat: DateFormat;
	/** Condition code or lower-case label → code. */
	conditions: Map<string, string>;
}

/** Column index of each mapped field, and the mapped item columns per instrument. */
export interface Layout {
	column: Map<string, number>;
	instruments: Map<string, { itemKey: string; index: number }[]>;
}

export function layoutOf(mapping: Mapping): Layout {
	const column = new Map<string, number>();
	const instruments = new Map<string, { itemKey: string; index: number }[]>();
	mapping.forEach((key, index) => {
		if (key === null) return;
		column.set(key, index);
		const f = FIELD_BY_KEY.get(key);
		if (f?.instrumentId && f.itemKey) {
			const list = instruments.get(f.instrumentId) ?? [];
			list.push({ itemKey: f.itemKey, index });
			instruments.set(f.instrumentId, list);
		}
	});
	return { column, instruments };
}

const DMY = /^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$/;

/** A date in the chosen format as YYYY-MM-DD; ISO dates are always accepted. Null when unreadable. */
export function normaliseDate(raw: string, format: DateFormat): string | null {
	const s = raw.trim();
	if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return s;
	if (format === 'iso') return null;
	const m = DMY.exec(s);
	if (!m) return null;
	const [day, month] = format === 'dmy' ? [m[1]!, m[2]!] : [m[2]!, m[1]!];
	return `${m[3]}-${month.padStart(2, '0')}-${day.padStart(2, '0')}`;
}

const FORMAT_LABEL: Record<DateFormat, string> = { iso: 'YYYY-MM-DD', dmy: 'DD/MM/YYYY', mdy: 'MM/DD/YYYY' };

const SEX_WORDS: Record<string, RowPatient['sex']> = {
	female: 'female', f: 'female', woman: 'female',
	male: 'male', m: 'male', man: 'male',
	other: 'other',
	unknown: 'unknown', 'not recorded': 'unknown', u: 'unknown'
};
const KIND_WORDS: Record<string, string> = {
	baseline: 'baseline', treatment: 'treatment', follow_up: 'follow_up', 'follow-up': 'follow_up', 'follow up': 'follow_up', followup: 'follow_up'
};
const FLARE_WORDS: Record<string, string> = { yes: 'yes', y: 'yes', no: 'no', n: 'no', unknown: 'unknown', '': 'unknown' };

const VISIT_KEYS: Record<string, string> = {
	visitDate: 'visit_date',
	kind: 'visit_kind',
	acupunctureSessions: 'acupuncture_sessions',
	flare: 'flare',
	note: 'note'
};

export function parseRow(
	record: { line: number; fields: string[] },
	ctx: RowContext,
	layout: Layout
): { row: ParsedRow | null; issues: RowIssue[] } {
	const { line, fields } = record;
	const issues: RowIssue[] = [];
	const headerOf = (field: string) => {
		const i = layout.column.get(field);
		return i === undefined ? field : (ctx.headers[i] ?? field);
	};
	const cell = (field: string): string | undefined => {
		const i = layout.column.get(field);
		return i === undefined ? undefined : (fields[i] ?? '');
	};
	const issue = (field: string, message: string) => issues.push({ line, column: headerOf(field), message });

	if (fields.length > ctx.headers.length && fields.slice(ctx.headers.length).some((f) => f.trim() !== '')) {
		issues.push({ line, column: '', message: `This row has ${fields.length} cells but the header has ${ctx.headers.length}.` });
	}

	const ref = v.safeParse(PATIENT_ENTRIES.clinicRef, cell('clinic_ref') ?? '');
	if (!ref.success) issue('clinic_ref', ref.issues[0].message);

	// Patient fields: checked when present; whether they are needed depends on the patient being new.
	const patient: RowPatient = {};
	const name = cell('name')?.trim();
	if (name) {
		const r = v.safeParse(PATIENT_ENTRIES.name, name);
		if (r.success) patient.name = r.output;
		else issue('name', r.issues[0].message);
	}
	for (const [field, key, label] of [
		['date_of_birth', 'dateOfBirth', 'date of birth'],
		['enrolled_on', 'enrolledOn', 'enrolment date']
	] as const) {
		const raw = cell(field)?.trim();
		if (!raw) continue;
		const iso = normaliseDate(raw, ctx.dateFormat);
		if (iso === null) {
			issue(field, `Enter the ${label} as ${FORMAT_LABEL[ctx.dateFormat]}.`);
			continue;
		}
		const r = v.safeParse(PATIENT_ENTRIES[key], iso);
		if (r.success) patient[key] = r.output;
		else issue(field, r.issues[0].message);
	}
	const sex = cell('sex')?.trim().toLowerCase();
	if (sex) {
		const code = SEX_WORDS[sex];
		if (code) patient.sex = code;
		else issue('sex', 'Use female, male, other or unknown.');
	}
	const condition = cell('condition')?.trim().toLowerCase();
	if (condition) {
		const code = ctx.conditions.get(condition);
		if (code) patient.conditionCode = code;
		else issue('condition', 'Not a condition on this instance (see the codebook for codes and names).');
	}

	// The visit, through manual entry's schema.
	const rawDate = cell('visit_date')?.trim() ?? '';
	const kindRaw = (cell('visit_kind') ?? '').trim().toLowerCase();
	const flareRaw = (cell('flare') ?? '').trim().toLowerCase();
	const visitDate = rawDate === '' ? '' : (normaliseDate(rawDate, ctx.dateFormat) ?? undefined);
	if (visitDate === undefined) issue('visit_date', `Enter the visit date as ${FORMAT_LABEL[ctx.dateFormat]}.`);
	const visit = v.safeParse(VisitSchema, {
		visitDate: visitDate ?? '2000-01-01',
		kind: KIND_WORDS[kindRaw] ?? kindRaw,
		acupunctureSessions: cell('acupuncture_sessions') ?? '',
		flare: FLARE_WORDS[flareRaw] ?? flareRaw,
		note: cell('note') ?? ''
	});
	if (!visit.success) {
		const seen = new Set<string>();
		for (const i of visit.issues) {
			const key = v.getDotPath(i) ?? 'visitDate';
			if (seen.has(key)) continue;
			seen.add(key);
			issue(VISIT_KEYS[key] ?? 'visit_date', i.message);
		}
	}

	// Item answers: an instrument with no answered item in this row is simply not recorded.
	const responses: ParsedRow['responses'] = [];
	for (const [instrumentId, items] of layout.instruments) {
		const answers: Record<string, number | null> = {};
		let answered = false;
		for (const { itemKey, index } of items) {
			const value = parseAnswer(fields[index] ?? '');
			answers[itemKey] = value;
			if (value !== null) answered = true;
		}
		if (answered) responses.push({ instrumentId, answers });
	}

	if (issues.length > 0 || !ref.success || !visit.success) return { row: null, issues };
	return {
		row: { line, clinicRef: ref.output, refKey: ref.output.toLowerCase(), patient, visit: visit.output, responses },
		issues
	};
}

/** Item errors from the scorer, placed at the item's column. */
export function answerIssues(
	line: number,
	instrumentId: string,
	errors: { item?: string; message: string }[],
	ctx: RowContext,
	layout: Layout
): RowIssue[] {
	const items = layout.instruments.get(instrumentId) ?? [];
	return errors.map((e) => {
		const index = items.find((x) => x.itemKey === e.item)?.index ?? items[0]?.index;
		return { line, column: index === undefined ? instrumentId : (ctx.headers[index] ?? instrumentId), message: e.message };
	});
}
