/** Patient and visit form rules, shared by the browser and the server. */
import * as v from 'valibot';
import { AE_ANSWER_LABELS, AE_ANSWERS, options, type AeAnswer } from '../safety/codes';
import { visibleText } from './text';

export const SEX_OPTIONS = [
	['female', 'Female'],
	['male', 'Male'],
	['other', 'Other'],
	['unknown', 'Not recorded']
] as const;
export const VISIT_KIND_OPTIONS = [
	['baseline', 'Baseline'],
	['treatment', 'Treatment'],
	['follow_up', 'Follow-up']
] as const;
export const AE_ANSWER_OPTIONS = options(AE_ANSWERS, AE_ANSWER_LABELS);
export const FLARE_OPTIONS = [
	['unknown', 'Unknown'],
	['no', 'No'],
	['yes', 'Yes']
] as const;

/** Today as YYYY-MM-DD in the server's (or browser's) local calendar. */
export function today(now = new Date()): string {
	const y = now.getFullYear();
	const m = String(now.getMonth() + 1).padStart(2, '0');
	const d = String(now.getDate()).padStart(2, '0');
	return `${y}-${m}-${d}`;
}

/** True for a YYYY-MM-DD string naming a day that exists (no 2024-02-30). */
export function isRealDate(s: string): boolean {
	const [y, m, d] = s.split('-').map(Number) as [number, number, number];
	const date = new Date(Date.UTC(y, m - 1, d));
	return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

export const DateSchema = (label: string) =>
	v.pipe(
		v.string(),
		v.trim(),
		v.nonEmpty(`Enter the ${label}.`),
		v.regex(/^\d{4}-\d{2}-\d{2}$/, `Enter the ${label} as YYYY-MM-DD.`),
		v.check(isRealDate, `The ${label} is not a real calendar date.`),
		v.check((s) => s >= '1900-01-01', `The ${label} cannot be before 1900.`),
		v.check((s) => s <= today(), `The ${label} cannot be in the future.`)
	);

/** Each patient field's rule on its own (the CSV import checks fields one at a time). */
export const PATIENT_ENTRIES = {
	clinicRef: v.pipe(
		v.string(),
		v.trim(),
		visibleText(),
		v.nonEmpty('Enter the clinic reference.'),
		v.maxLength(40, 'Use at most 40 characters.')
	),
	name: v.pipe(v.string(), v.trim(), visibleText(), v.nonEmpty('Enter the name.'), v.maxLength(200, 'Use at most 200 characters.')),
	dateOfBirth: DateSchema('date of birth'),
	sex: v.picklist(['female', 'male', 'other', 'unknown'], 'Choose one.'),
	conditionCode: v.pipe(v.string(), v.nonEmpty('Choose the condition.')),
	enrolledOn: DateSchema('enrolment date')
};

export const PatientSchema = v.pipe(
	v.object(PATIENT_ENTRIES),
	v.forward(
		v.partialCheck(
			[['dateOfBirth'], ['enrolledOn']],
			(p) => p.enrolledOn >= p.dateOfBirth,
			'Enrolment cannot be before birth.'
		),
		['enrolledOn']
	)
);
export const PATIENT_FIELDS = ['clinicRef', 'name', 'dateOfBirth', 'sex', 'conditionCode', 'enrolledOn'] as const;
export const VISIT_FIELDS = ['visitDate', 'kind', 'acupunctureSessions', 'flare', 'aeAnswer', 'note'] as const;

export type PatientInput = v.InferOutput<typeof PatientSchema>;

/**
 * A choice that may be left out ('' is how an absent form field arrives): a new visit stores
 * `fallback`; an edit (fallback undefined) keeps what the visit has.
 */
function optionalChoice<C extends string, F extends C | undefined>(codes: readonly C[], message: string, fallback: F) {
	return v.pipe(
		v.optional(v.string(), ''),
		v.check((s) => s === '' || (codes as readonly string[]).includes(s), message),
		v.transform((s): C | F => (s === '' ? fallback : (s as C)))
	);
}
export type { AeAnswer };

const FLARE_CODES = ['yes', 'no', 'unknown'] as const;

function visitEntries<F extends 'unknown' | undefined, A extends 'not_asked' | undefined>(flareDefault: F, aeDefault: A) {
	return {
		visitDate: DateSchema('visit date'),
		kind: v.picklist(['baseline', 'treatment', 'follow_up'], 'Choose the kind of visit.'),
		acupunctureSessions: v.pipe(
			v.string(),
			v.trim(),
			v.nonEmpty('Enter the number of sessions (0 if none).'),
			v.regex(/^\d+$/, 'Enter a whole number of sessions.'),
			v.transform(Number),
			v.maxValue(200, 'At most 200 sessions between visits.')
		),
		// The old yes/no flare answer: no longer on the form (flare episodes replace it), still
		// taken from scripts and the import.
		flare: optionalChoice(FLARE_CODES, 'Choose yes, no or unknown.', flareDefault),
		// Adverse events since the last visit: none, yes, or not asked (the default).
		aeAnswer: optionalChoice(AE_ANSWERS, 'Choose none, yes or not asked.', aeDefault),
		note: v.pipe(
			v.string(),
			v.trim(),
			visibleText(),
			v.maxLength(4000, 'Keep the note under 4000 characters.'),
			v.transform((s) => (s === '' ? null : s))
		)
	};
}

/** A new visit: the answers left out take their defaults. */
export const VisitSchema = v.object(visitEntries('unknown', 'not_asked'));
/** An edited visit: the answers left out stay as they are. */
export const VisitEditSchema = v.object(visitEntries(undefined, undefined));

type VisitParsed = v.InferOutput<typeof VisitSchema>;
/** A visit's fields; the two answers may be left out (a new visit then stores the defaults). */
export type VisitInput = Omit<VisitParsed, 'flare' | 'aeAnswer'> & Partial<Pick<VisitParsed, 'flare' | 'aeAnswer'>>;
export type VisitEdit = v.InferOutput<typeof VisitEditSchema>;

export const ReasonSchema = v.pipe(
	v.string(),
	// NUL cannot be stored (PostgreSQL text and jsonb refuse it) and no one types it.
	v.transform((s) => s.replaceAll('\0', '')),
	v.trim(),
	visibleText(),
	v.nonEmpty('Give a reason for the change.'),
	v.maxLength(500, 'Keep the reason under 500 characters.')
);

/** A code for a list entry admins add (conditions, adverse event categories), from its name. */
export function codeFromLabel(label: string): string {
	return label
		.normalize('NFD')
		.replace(/[\u0300-\u036f]/g, '')
		.toLowerCase()
		.replace(/[^a-z0-9]+/g, '_')
		.replace(/^_+|_+$/g, '')
		.replace(/^(?=\d)/, 'c_')
		.slice(0, 40);
}

export const ConditionSchema = v.pipe(
	v.object({
		label: v.pipe(v.string(), v.trim(), visibleText(), v.nonEmpty('Enter the condition’s name.'), v.maxLength(120, 'Use at most 120 characters.'))
	}),
	v.transform(({ label }) => ({ label, code: codeFromLabel(label) })),
	v.check((c) => c.code.length > 0, 'Use letters or digits in the name.')
);
