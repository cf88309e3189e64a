/**
 * Row checks: manual entry's rules applied to one parsed row against what the file (earlier
 * lines) and the database (stored patients) hold — a new patient's fields, a date of birth or
 * enrolment that differs from before, visit dates, the same visit twice, the item answers.
 */
import { randomUUID } from 'node:crypto';
import * as v from 'valibot';
import { scoreAll } from '../visits';
import { answerIssues, type Layout, type ParsedRow, type RowContext, type RowIssue } from '../../import/rows';
import { PatientSchema } from '../../validation/clinical';

export interface PatientState {
	id: string;
	isNew: boolean;
	dateOfBirth: string;
	/** Explicit (new patient) or stored (existing) enrolment; null = earliest visit in the file. */
	enrolledOn: string | null;
	firstLine: number;
	/** A stored patient who is archived: manual entry refuses their visits, and so does the import. */
	archived?: boolean;
	/** New patients: inserted yet (commit) / counted yet (dry run). */
	created: boolean;
}

const PATIENT_COLUMN: Record<string, string> = {
	clinicRef: 'clinic_ref',
	name: 'name',
	dateOfBirth: 'date_of_birth',
	sex: 'sex',
	conditionCode: 'condition',
	enrolledOn: 'enrolled_on'
};

/** What the checks read and remember across rows (one per pass). */
export interface RowMemory {
	ctx: RowContext;
	layout: Layout;
	/** Lower-case clinic reference → stored or new patient (null: looked up, not stored). */
	patientsByRef: Map<string, PatientState | null>;
	/** `refKey|visitDate` → the line that brought it first. */
	visitLines: Map<string, number>;
	/** A mapped field's column header, for the issue's column. */
	column: (field: string) => string;
}

export type RowCheck = { state: PatientState | null; issues: RowIssue[]; scored: ReturnType<typeof scoreAll>['scored'] };

/**
 * Checks one row; a new patient's first valid row registers it in `memory.patientsByRef`, and
 * every row's visit in `memory.visitLines`. The row is accepted when `issues` is empty and
 * `state` is set.
 */
export function checkRow(row: ParsedRow, memory: RowMemory): RowCheck {
	const issues: RowIssue[] = [];
	const issue = (field: string, message: string) => issues.push({ line: row.line, column: memory.column(field), message });
	let state = memory.patientsByRef.get(row.refKey) ?? null;
	const date = row.visit.visitDate;
	if (!state) state = checkNewPatient(row, memory, issue);
	else {
		if (row.patient.dateOfBirth && row.patient.dateOfBirth !== state.dateOfBirth) {
			issue('date_of_birth', state.isNew ? `Differs from line ${state.firstLine} for the same clinic reference.` : 'Differs from the stored patient with this clinic reference.');
		}
		if (state.isNew && row.patient.enrolledOn && row.patient.enrolledOn !== (state.enrolledOn ?? row.patient.enrolledOn)) {
			issue('enrolled_on', `Differs from line ${state.firstLine} for the same clinic reference.`);
		}
	}
	if (state?.archived) issue('clinic_ref', 'This patient is archived; restore them before importing their visits.');
	else if (state) {
		if (date < state.dateOfBirth) issue('visit_date', 'The visit cannot be before the date of birth.');
		else if (state.enrolledOn && date < state.enrolledOn) issue('visit_date', `The visit cannot be before enrolment (${state.enrolledOn}).`);
	}
	const visitKey = `${row.refKey}|${date}`;
	const earlier = memory.visitLines.get(visitKey);
	if (earlier !== undefined) issue('visit_date', `Same patient and visit date as line ${earlier}.`);
	else memory.visitLines.set(visitKey, row.line);

	const { scored, errors } = scoreAll(row.responses);
	for (const [instrumentId, list] of Object.entries(errors)) issues.push(...answerIssues(row.line, instrumentId, list, memory.ctx, memory.layout));
	return { state, issues, scored };
}

/** A reference not stored yet: the row must carry a valid new patient (manual entry's schema). */
function checkNewPatient(row: ParsedRow, memory: RowMemory, issue: (field: string, message: string) => void): PatientState | null {
	const p = row.patient;
	const check = v.safeParse(PatientSchema, {
		clinicRef: row.clinicRef,
		name: p.name ?? '',
		dateOfBirth: p.dateOfBirth ?? '',
		sex: p.sex ?? '',
		conditionCode: p.conditionCode ?? '',
		enrolledOn: p.enrolledOn ?? row.visit.visitDate
	});
	if (!check.success) {
		const seen = new Set<string>();
		for (const i of check.issues) {
			const key = v.getDotPath(i) ?? 'clinicRef';
			if (seen.has(key)) continue;
			seen.add(key);
			const field = key === 'enrolledOn' && !row.patient.enrolledOn ? 'visit_date' : (PATIENT_COLUMN[key] ?? 'clinic_ref');
			issue(field, `New patient: ${i.message}`);
		}
		return null;
	}
	const state: PatientState = { id: randomUUID(), isNew: true, dateOfBirth: check.output.dateOfBirth, enrolledOn: row.patient.enrolledOn ?? null, firstLine: row.line, created: false };
	memory.patientsByRef.set(row.refKey, state);
	return state;
}
