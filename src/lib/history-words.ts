/**
 * Audit rows in words a clinician reads: field labels instead of code names, values as the pages
 * show them, scores rounded as displayed, no internal ids. Pure (the History component and tests).
 */
import { formatScore, instrumentName, scaleLabel } from './instrument-display';

const LABELS: Record<string, string> = {
	clinicRef: 'Clinic reference',
	name: 'Name',
	dateOfBirth: 'Date of birth',
	sex: 'Sex',
	conditionCode: 'Condition',
	enrolledOn: 'Enrolment date',
	archived: 'Archived',
	visitDate: 'Visit date',
	kind: 'Kind of visit',
	acupunctureSessions: 'Acupuncture sessions',
	flare: 'Flare since the last visit',
	note: 'Note',
	voided: 'Voided',
	voidReason: 'Reason for voiding',
	instrumentId: 'Instrument',
	answers: 'Answers',
	scores: 'Scores'
};
/** Internal identifiers and counters: never shown. */
const HIDDEN = new Set(['id', 'patientId', 'visitId', 'version', 'createdBy', 'enteredBy', 'scoringVersion', 'instrumentVersion']);
const WORDS: Record<string, Record<string, string>> = {
	kind: { baseline: 'Baseline', treatment: 'Treatment', follow_up: 'Follow-up' },
	flare: { yes: 'Yes', no: 'No', unknown: 'Not known' },
	sex: { female: 'Female', male: 'Male', other: 'Other', unknown: 'Not known' }
};
const ACTIONS: Record<string, string> = { create: 'Created', update: 'Changed', void: 'Voided', restore: 'Restored', archive: 'Archived', unarchive: 'Restored', import: 'Imported' };
const ENTITIES: Record<string, string> = { patient: 'patient', visit: 'visit', response: 'questionnaire' };

export function actionInWords(action: string, entity: string, after: unknown, before: unknown): string {
	const instrument = ((after ?? before) as { instrumentId?: string } | null)?.instrumentId;
	const what = entity === 'response' && instrument ? instrumentName(instrument) : (ENTITIES[entity] ?? entity);
	return `${ACTIONS[action] ?? action} ${what}`;
}

export interface Change {
	field: string;
	from: string;
	to: string;
}

/** The fields that changed, old → new, in words. */
export function changesInWords(before: unknown, after: unknown, conditionLabel: (code: string) => string = (c) => c): Change[] {
	const b = (before ?? {}) as Record<string, unknown>;
	const a = (after ?? {}) as Record<string, unknown>;
	const instrument = String(a.instrumentId ?? b.instrumentId ?? '');
	const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].filter((k) => !HIDDEN.has(k));
	return keys
		.filter((k) => JSON.stringify(b[k]) !== JSON.stringify(a[k]))
		.map((k) => ({ field: LABELS[k] ?? k, from: show(k, b[k], instrument, conditionLabel), to: show(k, a[k], instrument, conditionLabel) }));
}

function show(field: string, v: unknown, instrument: string, conditionLabel: (code: string) => string): string {
	if (v === undefined || v === null || v === '') return '—';
	if (field === 'instrumentId') return instrumentName(String(v));
	if (field === 'conditionCode') return conditionLabel(String(v));
	if (field === 'scores' && typeof v === 'object') {
		return Object.entries(v as Record<string, number | null>)
			.map(([scale, value]) => `${scaleLabel(instrument, scale)} ${formatScore(instrument, scale, value)}`)
			.join(', ');
	}
	if (field === 'answers' && typeof v === 'object') {
		return Object.entries(v as Record<string, unknown>)
			.map(([item, value]) => `item ${item}: ${value === null ? 'blank' : String(value)}`)
			.join(', ');
	}
	if (typeof v === 'boolean') return v ? 'Yes' : 'No';
	return WORDS[field]?.[String(v)] ?? String(v);
}
