/** A Markdown codebook for an export: every column, code and transformation. */
import { getInstrument } from '../../instruments';
import type { ExportOptions } from '.';

export function codebook(o: ExportOptions, conditions: { code: string; label: string }[]): string {
	const lines = [
		'# Outcome Tracker export — codebook',
		'',
		'One row per patient × visit × instrument × scale. UTF-8, comma-separated, RFC 4180 quoting. A text cell that',
		'begins with =, +, -, @, tab or carriage return has a leading apostrophe (plain numbers are left numeric).',
		'Never exported: names, clinic references, dates of birth, calendar dates, free-text notes. Voided visits are left out.',
		'',
		'| column | meaning |',
		'|---|---|',
		`| pseudonym | ${o.pseudonyms === 'stable' ? 'HMAC-SHA-256 of the patient id under a key kept outside the database: the same patient has the same pseudonym in every stable export' : 'HMAC-SHA-256 of the patient id under a fresh random key for this export only: cannot be joined with any other export'} |`,
		o.unrestricted ? `| condition | condition code (below), or * where generalised to reach k = ${o.k} |` : '| condition | condition code (below); never generalised |',
		'| sex | female, male, other, unknown, or * where generalised |',
		'| age_band | age in whole years at baseline, in 5-year bands (e.g. 40-44), widened to 10 or 20 years or * where needed to reach k |',
		'| visit_number | 1 = the patient\'s first exported visit, then 2, 3… in date order |',
		'| days_since_baseline | days from the first exported visit |',
		'| visit_kind | baseline, treatment, follow_up |',
		'| acupuncture_sessions | sessions since the previous visit |',
		'| flare | flare since the last visit: yes, no, unknown |',
		'| instrument, instrument_version | instrument id and version (below) |',
		'| scale, score | scale key and its unrounded score; empty when the instrument\'s missing-item rule leaves the scale unscorable |',
		"| source | who gave the answers: clinician (transcribed by the clinic), patient_tablet (the patient on the clinic's tablet), patient_link (the patient through a one-time link); a clinician reviewed every patient-given response before it was stored |",
		'',
		o.unrestricted
			? `Generalisation: quasi-identifiers (condition × sex × age band) are widened step by step — 10-year band, 20-year band, age *, sex *, condition * — until every combination holds at least k = ${o.k} patients; patients who cannot reach k even then are left out.`
			: `Generalisation: quasi-identifiers (condition × sex × age band) are widened step by step within each condition — 10-year band, 20-year band, age *, sex * — over every enrolment period, until every combination holds at least k = ${o.k} patients; patients who cannot reach k even then are left out. An enrolment period is whole quarters; with one, a combination is also left out when the quarter next to either end of the period holds 1 to ${o.k - 1} of its patients, so that two exports never differ by fewer than k patients in a combination.`,
		'',
		'## Conditions',
		'',
		...conditions.map((c) => `- \`${c.code}\`: ${c.label}`),
		'',
		'## Instruments and scales',
		''
	];
	for (const id of o.instruments) {
		const def = getInstrument(id);
		if (!def) continue;
		lines.push(`### ${def.name} (\`${def.id}\`, version ${def.version}, licence class ${def.licence.class})`, '');
		for (const s of def.scales) {
			lines.push(`- \`${s.key}\` ${s.label}: ${s.min} to ${s.max ?? 'open'}, ${s.higherIsBetter ? 'higher is better' : 'lower is better'}`);
		}
		lines.push(`- Missing items: ${def.missingRule}`);
		if (o.includeItems) {
			lines.push(`- Item columns \`${def.id}__<item>\`: ${def.items.map((i) => `${i.key} (${i.codes ?? `${i.min}–${i.max}`})`).join('; ')}; empty = not answered`);
		}
		lines.push('');
	}
	return lines.join('\n');
}
