/** The import template (a header row) and its Markdown codebook. Pure. */
import { csvLine } from '../export/csv';
import { bundledInstruments } from '../instruments/registry';
import { IMPORT_FIELDS } from './fields';

export function importTemplate(): string {
	return csvLine(IMPORT_FIELDS.map((f) => f.key));
}

export function importCodebook(conditions: { code: string; label: string }[]): string {
	const base = IMPORT_FIELDS.filter((f) => f.group !== 'answers');
	const lines = [
		'# Outcome Tracker import — codebook',
		'',
		'One row per visit. A header row is required; column names may differ from the template — you map them to',
		'fields on the import page, and the mapping is remembered for the next file. UTF-8 (with or without a byte-order',
		'mark) or Windows-1252; comma- or semicolon-separated; RFC 4180 quoting (a cell may hold the delimiter, line',
		'breaks and doubled quotes inside double quotes). Dates: YYYY-MM-DD always, or DD/MM/YYYY or MM/DD/YYYY as chosen',
		'on the mapping page.',
		'',
		'Every row is checked with the same rules and scoring as manual entry; scores are always computed from the item',
		'answers by the instrument’s published rule — a score column in the file is never read (score-only instruments',
		'excepted, where the clinic’s licensed tool computed the total).',
		'',
		'## Fields',
		'',
		'| column | field | required | accepts |',
		'|---|---|---|---|',
		...base.map((f) => `| \`${f.key}\` | ${f.label} | ${f.required ? 'yes' : 'no'} | ${f.accepts} |`),
		'',
		'## How rows are matched',
		'',
		'- Rows with the same clinic reference (any case) are one patient. A reference already on this instance is that',
		'  patient: the file’s name, sex, condition and enrolment are ignored, and a date of birth, if given, must match.',
		'- A new patient needs name, date of birth, sex and condition on each of its rows (they must agree on the date of',
		'  birth and enrolment).',
		'- A row whose patient already has a visit (not voided) on that date is reported as skipped and not imported.',
		'- Two rows for the same patient and date are an error.',
		'- An instrument with no answered item in a row is not recorded for that visit; a partly answered instrument is',
		'  scored by its missing-item rule, and refused where that rule requires every item.',
		'',
		'## Commit',
		'',
		'The dry run stores nothing. Commit is one transaction: every row is imported, or none. It is refused while the',
		'dry run reports rejected rows. Every patient, visit and response gets an audit row whose reason names the file',
		'and its SHA-256; the same file (byte for byte) cannot be imported twice.',
		'',
		'## Conditions',
		'',
		...conditions.map((c) => `- \`${c.code}\`: ${c.label}`),
		'',
		'## Item columns',
		'',
		'Named `<instrument>__<item>`; blank means not answered. The app never holds item wording: use the instrument’s',
		'own licensed form for that.',
		''
	];
	for (const def of bundledInstruments()) {
		lines.push(`### ${def.name} (\`${def.id}\`, licence class ${def.licence.class})`, '');
		for (const item of def.items) {
			lines.push(`- \`${def.id}__${item.key}\` ${item.label}: ${item.codes ?? `${item.min}–${item.max}`}${item.step < 1 ? `, steps of ${item.step}` : ''}${item.unit ? ` ${item.unit}` : ''}`);
		}
		lines.push(`- Missing items: ${def.missingRule}`, '');
	}
	return lines.join('\n');
}
