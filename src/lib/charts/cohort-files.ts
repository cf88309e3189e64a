/**
 * What a cohort download is called and what its first lines say: everything that defines the
 * numbers (instrument, scale, measure, statistic, time axis, conditions, enrolment period), so a
 * file found in a folder months later can be read without the page that made it. Pure.
 */

export interface CohortDownloadAbout {
	instrument: { id: string; name: string; version: string };
	scale: { key: string; label: string; higherIsBetter: boolean };
	measure: 'score' | 'change';
	statistic: 'mean' | 'median';
	axis: 'visit' | 'week';
	bucket: number;
	/** Chosen conditions (codes with labels); empty = every condition. */
	conditions: { code: string; label: string }[];
	from?: string;
	to?: string;
	k: number;
}

/** Past this many characters of condition codes, the name counts them (the file's header lists them). */
const MAX_CONDITION_CHARS = 80;

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

/** The parts of a file name, without the kind prefix or extension. */
function nameParts(a: CohortDownloadAbout, forResponders: boolean): string[] {
	const codes = a.conditions.map((c) => c.code).join('+');
	const conditions = a.conditions.length === 0 ? 'all-conditions' : codes.length <= MAX_CONDITION_CHARS ? codes : `${a.conditions.length}-conditions`;
	const period = a.from || a.to ? [`enrolled-${a.from ?? 'start'}-to-${a.to ?? 'now'}`] : [];
	// Responders depend on neither the measure, the statistic nor the axis.
	const trend = forResponders ? [] : [a.measure, a.statistic, a.axis === 'week' ? `weeks-by-${a.bucket}` : 'by-visit'];
	return [slug(a.instrument.id), slug(a.scale.key), ...trend, conditions, ...period];
}

/** e.g. cohort-fss9-mean-change-median-weeks-by-4-ms+ra.csv */
export function cohortFileName(a: CohortDownloadAbout, kind: 'cohort' | 'responders', extension: 'csv' | 'png'): string {
	return `${[kind, ...nameParts(a, kind === 'responders')].join('-')}.${extension}`;
}

/**
 * Comment lines (`# ...`) before the table. A comment holds no comma or quote, so a spreadsheet
 * reads each as one cell starting with `#` (never as a formula), and `read.csv(comment.char = "#")`
 * or pandas' `comment="#"` skip them.
 */
export function cohortCsvHeader(a: CohortDownloadAbout): string[] {
	const clean = (s: string) => s.replace(/[",\r\n]+/g, ' ').replace(/\s+/g, ' ').trim();
	const lines = [
		'Outcome Tracker cohort trend (aggregates only)',
		`instrument: ${a.instrument.id} (${a.instrument.name}) version ${a.instrument.version}`,
		`scale: ${a.scale.key} (${a.scale.label}); ${a.scale.higherIsBetter ? 'higher is better' : 'lower is better'}`,
		`measure: ${a.measure === 'change' ? 'change from baseline' : 'score'}`,
		`statistic: ${a.statistic === 'mean' ? 'mean with 95% t interval (ci_low to ci_high)' : 'median with interquartile range (q1 to q3)'}; every column is given`,
		`time axis: ${a.axis === 'week' ? `weeks since baseline in ${a.bucket}-week buckets (the column is the bucket's first week)` : 'visit number (1 = baseline)'}`,
		`conditions: ${a.conditions.length === 0 ? 'all' : a.conditions.map((c) => `${c.code} (${clean(c.label)})`).join('; ')}`,
		`enrolment period: ${a.from || a.to ? `${a.from ?? 'start'} to ${a.to ?? 'now'}` : 'all'}`,
		`points with fewer than ${a.k} patients are withheld`
	];
	return lines.map((l) => `# ${clean(l)}`);
}
