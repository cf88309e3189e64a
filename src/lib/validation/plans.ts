/**
 * An analysis plan's body (issue 20, `PlanBody` in $lib/reports/types), as the API takes it and
 * the form builds it: every field checked, unknown keys refused (a misspelt key in a script must
 * not silently mean "absent"), instruments and scales from the registry, conditions from the
 * clinic's list, and the enrolment period held to the cross-query privacy rule: whole quarters
 * below admin ($lib/privacy/periods), as the cohort filters are. Issues carry the field's path
 * (`primary.scale`, `timepoint.weeks`, `secondary.1.instrument`) so a 400 names each bad field.
 */
import * as v from 'valibot';
import { getInstrument, INSTRUMENTS } from '../instruments';
import { PERIOD_MESSAGES, isQuarterEnd, isQuarterStart } from '../privacy/periods';
import type { OutcomeRef, PlanBody } from '../reports/types';
import { isRealDate } from './clinical';
import type { FieldErrors } from './form';
import { visibleText } from './text';

export interface PlanContext {
	/** Condition codes a plan may name (the clinic's list). */
	conditions: ReadonlySet<string>;
	/** Administrators may give any day; everyone else whole quarters. */
	dayPrecise: boolean;
}

export const MAX_SECONDARY = 10;
export const MAX_WEEKS = 520;

const scaleOf = (o: OutcomeRef) => getInstrument(o.instrument)?.scales.find((s) => s.key === o.scale);
const mcidOf = (o: OutcomeRef) => getInstrument(o.instrument)?.mcid.find((m) => m.scale === o.scale);
const key = (o: OutcomeRef) => `${o.instrument}:${o.scale}`;

const wholeNumber = (what: string, min: number, max: number) =>
	v.pipe(
		v.number(`Enter ${what} as a whole number.`),
		v.integer(`Enter ${what} as a whole number.`),
		v.minValue(min, `${what[0]!.toUpperCase()}${what.slice(1)} is at least ${min}.`),
		v.maxValue(max, `${what[0]!.toUpperCase()}${what.slice(1)} is at most ${max}.`)
	);

const Outcome = v.pipe(
	v.strictObject(
		{
			instrument: v.pipe(v.string('Name the instrument.'), v.check((id) => Boolean(getInstrument(id)), 'Unknown instrument.')),
			scale: v.string('Name the scale.')
		},
		(issue) => (issue.expected === 'never' ? 'Unknown field.' : 'An outcome is { instrument, scale }.')
	),
	// An unknown instrument is said once, at its own field.
	v.forward(
		v.check((o) => !getInstrument(o.instrument) || Boolean(scaleOf(o)), 'Unknown scale for this instrument.'),
		['scale']
	)
);

const date = (which: 'from' | 'to', dayPrecise: boolean) =>
	v.optional(
		v.pipe(
			v.string('Give the date as YYYY-MM-DD.'),
			v.regex(/^\d{4}-\d{2}-\d{2}$/, 'Give the date as YYYY-MM-DD.'),
			v.check(isRealDate, 'This is not a real calendar date.'),
			v.check((s) => s >= '1900-01-01', 'The date cannot be before 1900.'),
			v.check((s) => dayPrecise || (which === 'from' ? isQuarterStart(s) : isQuarterEnd(s)), PERIOD_MESSAGES[which])
		)
	);

const TIMEPOINT_SHAPE = 'The time point is { weeks, window_weeks } or { visit }.';
const TIMEPOINT_MISSING: Record<string, string> = {
	weeks: 'Enter the weeks since baseline as a whole number.',
	window_weeks: 'Enter the window in weeks as a whole number.',
	visit: 'Enter the visit number as a whole number.'
};
const timepointField = (issue: v.BaseIssue<unknown>) => {
	if (issue.expected === 'never') return 'Unknown field.';
	const key = issue.path?.[0]?.key;
	return typeof key === 'string' && issue.input === undefined ? (TIMEPOINT_MISSING[key] ?? TIMEPOINT_SHAPE) : TIMEPOINT_SHAPE;
};
const WeeksTimepoint = v.pipe(
	v.strictObject({ weeks: wholeNumber('the weeks since baseline', 1, MAX_WEEKS), window_weeks: wholeNumber('the window in weeks', 0, 52) }, timepointField),
	// The window stays clear of the baseline itself.
	v.forward(
		v.check((t) => t.window_weeks < t.weeks, 'The window must be shorter than the weeks since baseline.'),
		['window_weeks']
	)
);
const VisitTimepoint = v.strictObject({ visit: wholeNumber('the visit number', 2, 100) }, timepointField);
// Chosen by its keys rather than tried in turn (a union), so that a bad number is named at its own
// field (`timepoint.weeks`) instead of as the whole time point.
const Timepoint = v.lazy((input) => (input !== null && typeof input === 'object' && !Array.isArray(input) && 'visit' in input ? VisitTimepoint : WeeksTimepoint));

/** What a plan says when one of its parts is left out. */
const MISSING: Record<string, string> = {
	title: 'Give the plan a title.',
	conditions: 'Choose at least one condition.',
	primary: 'Choose the primary outcome.',
	timepoint: TIMEPOINT_SHAPE,
	secondary: 'Secondary outcomes are a list (empty for none).',
	primary_population: 'The primary population is completers or carried_forward.'
};
const planField = (issue: v.BaseIssue<unknown>) => {
	if (issue.expected === 'never') return 'Unknown field.';
	const key = issue.path?.[0]?.key;
	return typeof key === 'string' && issue.input === undefined ? (MISSING[key] ?? 'This is required.') : 'A plan is a JSON object.';
};

/**
 * Below admin, a plan selects patients by enrolment period or by a minimum number of sessions, not
 * both: four plans (two periods × two minimums) could be subtracted down to one quarter's patients
 * with one number of sessions (docs/security.md, "Evidence reports across plans").
 */
export const PERIOD_AND_SESSIONS =
	'Choose an enrolment period or a minimum number of sessions, not both: plans combining the two could be subtracted from one another to single out a patient. Administrators may combine them.';

/** True when the plan has both an enrolment period and a minimum number of sessions. */
export function combinesPeriodAndSessions(p: Pick<PlanBody, 'enrolled_from' | 'enrolled_to' | 'min_sessions'>): boolean {
	return Boolean(p.enrolled_from || p.enrolled_to) && p.min_sessions !== undefined;
}

/** The plan body's schema for a caller: the conditions they may name, and whether any day is allowed. */
export function planSchema(ctx: PlanContext) {
	return v.pipe(
		v.strictObject(
			{
				title: v.pipe(v.string('Give the plan a title.'), v.trim(), v.nonEmpty('Give the plan a title.'), v.maxLength(200, 'The title is at most 200 characters.'), visibleText()),
				conditions: v.pipe(
					v.array(v.pipe(v.string('A condition is its code.'), v.check((c) => ctx.conditions.has(c), 'Unknown condition.')), 'Conditions are a list of codes.'),
					v.minLength(1, 'Choose at least one condition.'),
					v.maxLength(20, 'At most 20 conditions.'),
					v.check((cs) => new Set(cs).size === cs.length, 'A condition is named twice.')
				),
				enrolled_from: date('from', ctx.dayPrecise),
				enrolled_to: date('to', ctx.dayPrecise),
				min_sessions: v.optional(wholeNumber('the minimum number of sessions', 0, 1000)),
				primary: Outcome,
				timepoint: Timepoint,
				secondary: v.pipe(v.array(Outcome, 'Secondary outcomes are a list.'), v.maxLength(MAX_SECONDARY, `At most ${MAX_SECONDARY} secondary outcomes.`)),
				responder_threshold: v.optional(
					v.pipe(v.number('Give the threshold as a number in the scale’s units.'), v.finite('Give the threshold as a number in the scale’s units.'), v.gtValue(0, 'The threshold must be above 0.'))
				),
				primary_population: v.picklist(['completers', 'carried_forward'], 'The primary population is completers or carried_forward.')
			},
			planField
		),
		v.forward(
			v.check((p) => !p.enrolled_from || !p.enrolled_to || p.enrolled_from <= p.enrolled_to, 'The period ends before it starts.'),
			['enrolled_to']
		),
		v.forward(
			v.check((p) => ctx.dayPrecise || !combinesPeriodAndSessions(p), PERIOD_AND_SESSIONS),
			['min_sessions']
		),
		v.forward(
			v.check((p) => new Set(p.secondary.map(key)).size === p.secondary.length, 'A secondary outcome is named twice.'),
			['secondary']
		),
		v.forward(
			v.check((p) => !p.secondary.some((s) => key(s) === key(p.primary)), 'The primary outcome cannot also be a secondary one.'),
			['secondary']
		),
		v.forward(
			v.check((p) => {
				const s = scaleOf(p.primary);
				return p.responder_threshold === undefined || !s || s.max === null || p.responder_threshold <= s.max - s.min;
			}, 'The threshold is larger than the whole scale.'),
			['responder_threshold']
		),
		v.forward(
			v.check((p) => p.responder_threshold !== undefined || !scaleOf(p.primary) || Boolean(mcidOf(p.primary)), 'This outcome has no MCID in the instrument registry: give a responder threshold.'),
			['responder_threshold']
		),
		v.transform((p): PlanBody => p)
	);
}

export type PlanIssues = FieldErrors;

/** Each bad field's first message, keyed by its path in the body (`timepoint.weeks`); `plan` for the whole. */
export function planIssues(issues: v.BaseIssue<unknown>[]): PlanIssues {
	const errors: PlanIssues = {};
	for (const issue of issues) {
		// An unknown key is named by its own path.
		const path = v.getDotPath(issue) ?? 'plan';
		errors[path] ??= issue.message;
	}
	return errors;
}

export type PlanParse = { ok: true; plan: PlanBody } | { ok: false; errors: PlanIssues };

export function parsePlan(input: unknown, ctx: PlanContext): PlanParse {
	// An array is an object to the schema; it is not a plan.
	if (input === null || typeof input !== 'object' || Array.isArray(input)) return { ok: false, errors: { plan: 'A plan is a JSON object.' } };
	const parsed = v.safeParse(planSchema(ctx), input);
	return parsed.success ? { ok: true, plan: parsed.output } : { ok: false, errors: planIssues(parsed.issues) };
}

// ---- The form: one field per part of the body; errors at the field, typed values kept. ----

export const PLAN_FORM_FIELDS = ['title', 'from', 'to', 'min_sessions', 'primary', 'timepoint', 'weeks', 'window_weeks', 'visit', 'responder_threshold', 'primary_population'] as const;
export type PlanFormValues = Record<(typeof PLAN_FORM_FIELDS)[number], string> & { conditions: string[]; secondary: string[] };

/** Every scale of every instrument, as the form's `instrument:scale` options. */
export function outcomeOptions(): [string, string][] {
	return INSTRUMENTS.flatMap((def) => def.scales.map((s): [string, string] => [`${def.id}:${s.key}`, def.scales.length > 1 ? `${def.shortName} — ${s.label}` : def.shortName]));
}

const toOutcome = (s: string): OutcomeRef => {
	const at = s.indexOf(':');
	return at < 0 ? { instrument: s, scale: '' } : { instrument: s.slice(0, at), scale: s.slice(at + 1) };
};
// Empty means absent; anything else is a number or NaN (which the schema refuses at the field).
const toNumber = (s: string) => (s.trim() === '' ? undefined : Number(s.trim()));

/** The form's values as the API's body (absent fields left out), for the one schema. */
export function planFromValues(f: PlanFormValues): Record<string, unknown> {
	const body: Record<string, unknown> = { title: f.title, conditions: f.conditions };
	if (f.from.trim()) body.enrolled_from = f.from.trim();
	if (f.to.trim()) body.enrolled_to = f.to.trim();
	const minSessions = toNumber(f.min_sessions);
	if (minSessions !== undefined) body.min_sessions = minSessions;
	// No outcome chosen: absent, so the message asks for one (not "Unknown instrument").
	if (f.primary.trim()) body.primary = toOutcome(f.primary);
	body.timepoint = f.timepoint === 'visit' ? { visit: toNumber(f.visit) } : { weeks: toNumber(f.weeks), window_weeks: toNumber(f.window_weeks) };
	body.secondary = f.secondary.map(toOutcome);
	const threshold = toNumber(f.responder_threshold);
	if (threshold !== undefined) body.responder_threshold = threshold;
	body.primary_population = f.primary_population;
	return body;
}

/** A stored body as the form shows it (editing a draft, starting a new version). */
export function valuesFromPlan(p: PlanBody): PlanFormValues {
	const tp = p.timepoint;
	return {
		title: p.title,
		conditions: [...p.conditions],
		from: p.enrolled_from ?? '',
		to: p.enrolled_to ?? '',
		min_sessions: p.min_sessions === undefined ? '' : String(p.min_sessions),
		primary: key(p.primary),
		timepoint: 'visit' in tp ? 'visit' : 'weeks',
		weeks: 'weeks' in tp ? String(tp.weeks) : '',
		window_weeks: 'weeks' in tp ? String(tp.window_weeks) : '',
		visit: 'visit' in tp ? String(tp.visit) : '',
		secondary: p.secondary.map(key),
		responder_threshold: p.responder_threshold === undefined ? '' : String(p.responder_threshold),
		primary_population: p.primary_population
	};
}

export const EMPTY_PLAN_VALUES: PlanFormValues = {
	title: '',
	conditions: [],
	from: '',
	to: '',
	min_sessions: '',
	primary: '',
	timepoint: 'weeks',
	weeks: '8',
	window_weeks: '2',
	visit: '',
	secondary: [],
	responder_threshold: '',
	primary_population: 'completers'
};

/** The body's path as the form field that shows its error. */
export function formFieldOf(path: string): string {
	const [head, second] = path.split('.');
	if (head === 'enrolled_from') return 'from';
	if (head === 'enrolled_to') return 'to';
	if (head === 'timepoint') return second && ['weeks', 'window_weeks', 'visit'].includes(second) ? second : 'timepoint';
	return head ?? 'form';
}

/** The body's issues at the form's fields (the first message for each). */
export function formErrors(errors: PlanIssues): FieldErrors {
	const out: FieldErrors = {};
	for (const [path, message] of Object.entries(errors)) out[formFieldOf(path)] ??= message;
	return out;
}

/** The form as submitted: what was typed (to echo back) and the parse. */
export function planFromForm(data: FormData, ctx: PlanContext): { values: PlanFormValues; parsed: PlanParse } {
	const text = (name: string) => {
		const value = data.get(name);
		return typeof value === 'string' ? value.replaceAll('\0', '') : '';
	};
	const list = (name: string) => data.getAll(name).filter((x): x is string => typeof x === 'string').map((x) => x.replaceAll('\0', '')).filter(Boolean).slice(0, 100);
	const values = { ...(Object.fromEntries(PLAN_FORM_FIELDS.map((f) => [f, text(f)])) as Record<(typeof PLAN_FORM_FIELDS)[number], string>), conditions: list('conditions'), secondary: list('secondary') };
	return { values, parsed: parsePlan(planFromValues(values), ctx) };
}

/** A reason for a new version: required, plain visible text. */
export const ReasonSchema = v.pipe(
	v.string('Say why the plan changes.'),
	v.trim(),
	v.nonEmpty('Say why the plan changes.'),
	v.maxLength(2000, 'The reason is at most 2000 characters.'),
	visibleText()
);

/** `?version=N` on a report's address: undefined when absent (the newest locked), null when malformed. */
export function reportVersion(url: URL): number | undefined | null {
	const raw = url.searchParams.get('version');
	if (raw === null || raw === '') return undefined;
	return /^[1-9]\d{0,5}$/.test(raw) ? Number(raw) : null;
}
