/** Cohort query parameters, shared by the page and the JSON endpoint. */
import * as v from 'valibot';
import { getInstrument } from '../instruments';
import { isRealDate } from './clinical';

const dateOrEmpty = v.pipe(
	v.optional(v.string(), ''),
	v.trim(),
	// Format alone let 2024-02-30 through to the query's `::date`: a server error, not this message.
	v.check((s) => s === '' || (/^\d{4}-\d{2}-\d{2}$/.test(s) && isRealDate(s)), 'Use a real date as YYYY-MM-DD.'),
	v.transform((s) => (s === '' ? undefined : s))
);

export const TrendQuerySchema = v.pipe(
	v.object({
		instrument: v.pipe(v.optional(v.string(), 'fss9'), v.check((id) => Boolean(getInstrument(id)), 'Unknown instrument.')),
		scale: v.optional(v.string(), ''),
		axis: v.optional(v.picklist(['visit', 'week'], 'axis is visit or week.'), 'visit'),
		bucket: v.pipe(
			v.optional(v.string(), '2'),
			v.regex(/^\d{1,2}$/, 'bucket is a whole number of weeks.'),
			v.transform(Number),
			v.minValue(1, 'bucket is at least 1 week.'),
			v.maxValue(52, 'bucket is at most 52 weeks.')
		),
		measure: v.optional(v.picklist(['score', 'change'], 'measure is score or change.'), 'score'),
		conditions: v.pipe(
			v.optional(v.string(), ''),
			v.transform((s) => s.split(',').map((c) => c.trim()).filter(Boolean)),
			v.check((cs) => cs.length <= 20 && cs.every((c) => /^[a-z][a-z0-9_]{0,39}$/.test(c)), 'Unknown condition code.')
		),
		from: dateOrEmpty,
		to: dateOrEmpty
	}),
	v.transform((q) => ({ ...q, scale: q.scale || getInstrument(q.instrument)!.scales[0]!.key })),
	v.check((q) => Boolean(getInstrument(q.instrument)!.scales.some((s) => s.key === q.scale)), 'Unknown scale for this instrument.')
);

export type TrendParams = v.InferOutput<typeof TrendQuerySchema>;

export function paramsFromUrl(url: URL): Record<string, string> {
	const out: Record<string, string> = {};
	for (const key of ['instrument', 'scale', 'axis', 'bucket', 'measure', 'from', 'to']) {
		const value = url.searchParams.get(key);
		if (value !== null) out[key] = value;
	}
	// Either one comma-separated value (the API) or the key repeated (a multiple select).
	const conditions = url.searchParams.getAll('conditions').filter(Boolean);
	if (conditions.length > 0) out.conditions = conditions.join(',');
	return out;
}
