/** Export options from a query string, shared by the page, the download and the codebook. */
import * as v from 'valibot';
import { getInstrument } from '../instruments/registry';
import { isRealDate } from './clinical';

const list = (url: URL, key: string) => url.searchParams.getAll(key).flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean);
// A real date, not only the format: the value reaches SQL as `::date`, where 2024-02-30 is an error.
const date = v.pipe(v.string(), v.check((s) => s === '' || (/^\d{4}-\d{2}-\d{2}$/.test(s) && isRealDate(s)), 'Use a real date as YYYY-MM-DD.'), v.transform((s) => (s === '' ? undefined : s)));

export const ExportOptionsSchema = v.object({
	instruments: v.pipe(
		v.array(v.string()),
		v.minLength(1, 'Choose at least one instrument.'),
		v.check((ids) => ids.every((id) => Boolean(getInstrument(id))), 'Unknown instrument.')
	),
	conditions: v.pipe(v.array(v.string()), v.check((cs) => cs.every((c) => /^[a-z][a-z0-9_]{0,39}$/.test(c)), 'Unknown condition.')),
	enrolledFrom: date,
	enrolledTo: date,
	includeItems: v.boolean(),
	pseudonyms: v.picklist(['stable', 'unlinkable'], 'Choose stable or unlinkable pseudonyms.'),
	k: v.pipe(v.string(), v.regex(/^\d{1,3}$/, 'k is a whole number.'), v.transform(Number), v.minValue(3, 'k is at least 3.'))
});

export function exportInput(url: URL) {
	return {
		instruments: [...new Set(list(url, 'instruments'))],
		conditions: [...new Set(list(url, 'conditions'))],
		enrolledFrom: url.searchParams.get('from') ?? '',
		enrolledTo: url.searchParams.get('to') ?? '',
		includeItems: url.searchParams.get('items') === '1',
		pseudonyms: url.searchParams.get('pseudonyms') ?? 'stable',
		k: url.searchParams.get('k') ?? '5'
	};
}
