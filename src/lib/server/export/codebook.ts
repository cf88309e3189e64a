/** A Markdown codebook for an export: every column, code and transformation. */
import { getInstrument } from '../../instruments';
import type { ExportOptions } from '.';
import { AE_ACTIONS, AE_OUTCOMES, AE_SEVERITIES, FLARE_SEVERITIES, FLARE_TRIGGERS, RELATEDNESS, SERIOUS_CRITERIA } from '../../safety/codes';

export function codebook(o: ExportOptions, conditions: { code: string; label: string }[], categories: { code: string; label: string }[] = []): string {
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
	lines.push(...eventsCodebook(o, categories));
	return lines.join('\n');
}

const codes = (list: readonly string[]) => list.join(', ');

/** The second file's section: outcome-tracker-events.csv (server/export/events.ts). */
function eventsCodebook(o: ExportOptions, categories: { code: string; label: string }[]): string[] {
	const head = ['## Events file (outcome-tracker-events.csv)', ''];
	if (o.pseudonyms !== 'stable') return [...head, 'Not available with unlinkable pseudonyms: it is joined to the main file by pseudonym, and an unlinkable key is new at every download.', ''];
	return [
		...head,
		'One row per adverse event or flare episode (voided ones left out) of the patients in the main file — the same selection, the same',
		'patients left out to reach k, the same pseudonyms: join the two files on `pseudonym`. Same format and apostrophe rule as the main file.',
		'Never exported: calendar dates, notes, the specification of an "other" adverse event, the visit an event followed.',
		'Lists inside a cell are codes separated by `;` in alphabetical order. Empty = not applicable to the record, or not recorded.',
		'',
		'| column | meaning |',
		'|---|---|',
		'| pseudonym | as in the main file |',
		'| record | adverse_event or flare |',
		'| days_since_baseline | days from the patient\'s first exported visit (the main file\'s baseline) to the onset; negative when before it |',
		'| category | adverse events: the kind of event (category codes below); flares: empty |',
		`| severity | ${codes(AE_SEVERITIES)} (adverse events); ${codes(FLARE_SEVERITIES)} (flares) |`,
		'| serious | adverse events: yes when the event meets at least one ICH E2A seriousness criterion, else no; flares: empty |',
		`| seriousness_criteria | adverse events: the ICH E2A criteria met (${codes(SERIOUS_CRITERIA)}); empty when not serious |`,
		`| relatedness | adverse events: WHO-UMC causality category (${codes(RELATEDNESS)}) |`,
		`| action_taken | adverse events: ${codes(AE_ACTIONS)} |`,
		`| outcome | adverse events: ${codes(AE_OUTCOMES)} |`,
		'| days_to_end | adverse events: days from onset to the resolution date (empty when none was recorded); flares: days from onset to the end (empty while ongoing) |',
		'| ongoing | flares: yes when no end is recorded, else no; adverse events: empty (see outcome) |',
		`| triggers | flares: suspected triggers (${codes(FLARE_TRIGGERS)}); empty when none |`,
		'| treatment_changed | flares: yes when treatment had to change, else no |',
		'',
		'### Adverse event categories',
		'',
		...categories.map((c) => `- \`${c.code}\`: ${c.label}`),
		''
	];
}
