/**
 * Adverse event and flare episode form rules, shared by the browser and the server. The database
 * holds the same rules (schema/safety.ts, migration 0018); what needs the patient (onset before
 * enrolment, the visit being theirs) is checked by the server and the database.
 */
import * as v from 'valibot';
import { AE_ACTIONS, AE_OUTCOMES, AE_SEVERITIES, FLARE_SEVERITIES, FLARE_TRIGGERS, RELATEDNESS, SERIOUS_CRITERIA } from '../safety/codes';
import { codeFromLabel, DateSchema } from './clinical';
import { visibleText } from './text';
import { formValues, type FieldErrors } from './form';

const optionalDate = (label: string) =>
	v.union([v.pipe(v.string(), v.trim(), v.empty(), v.transform(() => null)), DateSchema(label)], `Enter the ${label} as YYYY-MM-DD, or leave it empty.`);

const optionalText = (max: number, message: string) =>
	v.pipe(
		v.string(),
		v.transform((s) => s.replaceAll('\0', '')),
		v.trim(),
		visibleText(),
		v.maxLength(max, message),
		v.transform((s) => (s === '' ? null : s))
	);

const yesNo = (message: string) => v.pipe(v.picklist(['yes', 'no'], message), v.transform((s) => s === 'yes'));

/** Ticked boxes: each a known code, each once. */
const codeSet = <C extends string>(codes: readonly C[], message: string) =>
	v.pipe(v.array(v.picklist(codes, message)), v.transform((list) => [...new Set(list)]));

export const AE_FIELDS = ['onsetOn', 'visitId', 'categoryCode', 'categoryDetail', 'severity', 'serious', 'relatedness', 'actionTaken', 'outcome', 'resolvedOn', 'note'] as const;

export const AdverseEventSchema = v.pipe(
	v.object({
		onsetOn: DateSchema('onset date'),
		visitId: v.pipe(v.string(), v.trim(), v.transform((s) => (s === '' ? null : s))),
		categoryCode: v.pipe(v.string(), v.nonEmpty('Choose the kind of event.')),
		categoryDetail: optionalText(200, 'Keep the specification under 200 characters.'),
		severity: v.picklist(AE_SEVERITIES, 'Choose mild, moderate or severe.'),
		serious: yesNo('Say whether the event is serious.'),
		seriousCriteria: codeSet(SERIOUS_CRITERIA, 'Choose criteria from the list.'),
		relatedness: v.picklist(RELATEDNESS, 'Choose how likely the treatment caused it.'),
		actionTaken: v.picklist(AE_ACTIONS, 'Choose the action taken.'),
		outcome: v.picklist(AE_OUTCOMES, 'Choose the outcome.'),
		resolvedOn: optionalDate('resolution date'),
		note: optionalText(2000, 'Keep the note under 2000 characters.')
	}),
	v.forward(
		v.partialCheck([['categoryCode'], ['categoryDetail']], (e) => e.categoryCode !== 'other' || e.categoryDetail !== null, 'Say what kind of event it was.'),
		['categoryDetail']
	),
	v.forward(
		v.partialCheck([['serious'], ['seriousCriteria']], (e) => !e.serious || e.seriousCriteria.length > 0, 'A serious event meets at least one of these criteria: tick it.'),
		['seriousCriteria']
	),
	v.forward(
		v.partialCheck([['serious'], ['seriousCriteria']], (e) => e.serious || e.seriousCriteria.length === 0, 'Criteria are ticked, so the event is serious: choose “Yes” above, or untick them.'),
		['serious']
	),
	v.forward(
		v.partialCheck([['outcome'], ['seriousCriteria']], (e) => e.outcome !== 'fatal' || e.seriousCriteria.includes('death'), 'A fatal outcome is serious (“Resulted in death”): tick it.'),
		['seriousCriteria']
	),
	v.forward(
		v.partialCheck([['onsetOn'], ['resolvedOn']], (e) => e.resolvedOn === null || e.resolvedOn >= e.onsetOn, 'The resolution cannot be before the onset.'),
		['resolvedOn']
	),
	v.forward(
		v.partialCheck([['outcome'], ['resolvedOn']], (e) => e.resolvedOn === null || (e.outcome !== 'recovering' && e.outcome !== 'not_recovered'), 'An event still going on has no resolution date: leave it empty or change the outcome.'),
		['resolvedOn']
	)
);
export type AdverseEventInput = v.InferOutput<typeof AdverseEventSchema>;

export const FLARE_FIELDS = ['onsetOn', 'endedOn', 'severity', 'treatmentChanged', 'note'] as const;

export const FlareSchema = v.pipe(
	v.object({
		onsetOn: DateSchema('onset date'),
		endedOn: optionalDate('end date'),
		severity: v.picklist(FLARE_SEVERITIES, 'Choose mild, moderate or severe.'),
		triggers: codeSet(FLARE_TRIGGERS, 'Choose triggers from the list.'),
		treatmentChanged: yesNo('Say whether the treatment had to change.'),
		note: optionalText(2000, 'Keep the note under 2000 characters.')
	}),
	v.forward(
		v.partialCheck([['onsetOn'], ['endedOn']], (e) => e.endedOn === null || e.endedOn >= e.onsetOn, 'The end cannot be before the onset.'),
		['endedOn']
	)
);
export type FlareInput = v.InferOutput<typeof FlareSchema>;

/** One message per field; a ticked box's issue ('seriousCriteria.1') belongs to its group. */
export function groupErrors(issues: v.BaseIssue<unknown>[]): FieldErrors {
	const errors: FieldErrors = {};
	for (const issue of issues) {
		const key = (v.getDotPath(issue) ?? 'form').split('.')[0]!;
		errors[key] ??= issue.message;
	}
	return errors;
}

/** An adverse event category an admin adds: its code is derived from the name. */
export const AeCategorySchema = v.pipe(
	v.object({
		label: v.pipe(v.string(), v.transform((s) => s.replaceAll('\0', '')), v.trim(), visibleText(), v.nonEmpty('Enter the category’s name.'), v.maxLength(120, 'Use at most 120 characters.'))
	}),
	v.transform(({ label }) => ({ label, code: codeFromLabel(label) })),
	v.check((c) => c.code.length > 0, 'Use letters or digits in the name.')
);

const ticked = (data: FormData, name: string) => data.getAll(name).filter((x): x is string => typeof x === 'string');

/** An adverse event form: what was typed (to echo back) and the parse. */
export function adverseEventFromForm(data: FormData) {
	const values = formValues(data, AE_FIELDS);
	const criteria = ticked(data, 'seriousCriteria');
	return { values, criteria, parsed: v.safeParse(AdverseEventSchema, { ...values, seriousCriteria: criteria }) };
}

/** A flare form: what was typed (to echo back) and the parse. */
export function flareFromForm(data: FormData) {
	const values = formValues(data, FLARE_FIELDS);
	const triggers = ticked(data, 'triggers');
	return { values, triggers, parsed: v.safeParse(FlareSchema, { ...values, triggers }) };
}

/** /safety and GET /api/safety: conditions only, comma-separated or repeated (none = all). */
export const SafetyQuerySchema = v.object({
	conditions: v.pipe(
		v.optional(v.string(), ''),
		v.transform((s) => [...new Set(s.split(',').map((c) => c.trim()).filter(Boolean))]),
		v.check((cs) => cs.length <= 20 && cs.every((c) => /^[a-z][a-z0-9_]{0,39}$/.test(c)), 'Unknown condition code.')
	)
});

export function safetyParams(url: URL): Record<string, string> {
	const conditions = url.searchParams.getAll('conditions').filter(Boolean);
	return conditions.length > 0 ? { conditions: conditions.join(',') } : {};
}
