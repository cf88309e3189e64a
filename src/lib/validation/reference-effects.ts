/** A published effect an administrator enters (issue 20): shown beside the clinic's own effect for the same outcome. */
import * as v from 'valibot';
import { getInstrument } from '../instruments';
import { formValues } from './form';
import { visibleText } from './text';

export const REFERENCE_FIELDS = ['citation', 'population', 'conditionCode', 'outcome', 'measure', 'effect', 'ciLow', 'ciHigh'] as const;
export const MEASURE_OPTIONS = [
	['mean_change', 'Mean change (scale units, follow-up − baseline)'],
	['smd', 'Standardised mean difference']
] as const;

const text = (what: string, max: number) => v.pipe(v.string(), v.trim(), v.nonEmpty(`Enter the ${what}.`), v.maxLength(max, `The ${what} is at most ${max} characters.`), visibleText());
const number = (what: string) =>
	v.pipe(
		v.string(),
		v.trim(),
		v.nonEmpty(`Enter the ${what}.`),
		v.regex(/^-?\d+(\.\d+)?$/, `Enter the ${what} as a number (e.g. -4.2).`),
		v.transform(Number),
		v.check((n) => Math.abs(n) < 1e6, `The ${what} is out of range.`)
	);

export const ReferenceEffectSchema = v.pipe(
	v.object({
		citation: text('citation', 500),
		population: text('population', 300),
		conditionCode: v.pipe(
			v.string(),
			v.transform((s) => (s.trim() === '' ? null : s.trim())),
			v.check((s) => s === null || /^[a-z][a-z0-9_]{0,39}$/.test(s), 'Unknown condition.')
		),
		outcome: v.pipe(
			v.string(),
			v.nonEmpty('Choose the outcome.'),
			v.check((s) => {
				const [instrument, scale] = s.split(':');
				return Boolean(getInstrument(instrument ?? '')?.scales.some((x) => x.key === scale));
			}, 'Unknown outcome.')
		),
		measure: v.picklist(['mean_change', 'smd'], 'Choose what the effect measures.'),
		effect: number('effect'),
		ciLow: number('lower limit'),
		ciHigh: number('upper limit')
	}),
	v.forward(
		v.check((r) => r.ciLow <= r.effect, 'The lower limit is at most the effect.'),
		['ciLow']
	),
	v.forward(
		v.check((r) => r.effect <= r.ciHigh, 'The upper limit is at least the effect.'),
		['ciHigh']
	),
	v.transform(({ outcome, ...r }) => ({ ...r, instrumentId: outcome.split(':')[0]!, scale: outcome.split(':')[1]! }))
);
export type ReferenceEffectInput = v.InferOutput<typeof ReferenceEffectSchema>;

export function referenceEffectFromForm(data: FormData) {
	const values = formValues(data, REFERENCE_FIELDS);
	return { values, parsed: v.safeParse(ReferenceEffectSchema, values) };
}
