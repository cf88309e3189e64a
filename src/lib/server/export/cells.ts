/**
 * The export's text cells, made safe by the database that formats them: whatever a text column or
 * an answer holds (the constraints keep codes and numbers there, but a restore, a script or a
 * future path might not), a cell a spreadsheet would run as a formula gets a leading apostrophe,
 * by the same rule as `csvCell` ($lib/export/csv: FORMULA_START's characters, and its
 * PLAIN_NUMBER pattern, which PostgreSQL's regular expressions read alike). Numbers from numeric
 * columns need none of this: their text is always a plain number.
 */
import { PLAIN_NUMBER } from '../../export/csv';

const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;
/** FORMULA_START's characters as SQL literals: = + - @ tab and carriage return. */
const FORMULA_FIRST = ["'='", "'+'", "'-'", "'@'", "E'\\t'", "E'\\r'"].join(', ');

/** SQL text of `expr` (a text expression) neutralised; null stays null. */
export function neutralisedSql(expr: string): string {
	// The first character compared as text first: a regular expression per cell cost a third more.
	return `(case when left(${expr}, 1) in (${FORMULA_FIRST}) and ${expr} !~ ${literal(PLAIN_NUMBER.source)} then '''' || ${expr} else ${expr} end)`;
}

/**
 * Neutralised and quoted as RFC 4180 wants (a quote, comma or line break inside: quoted, quotes
 * doubled), exactly as COPY … (format csv) quotes, so both export paths give the same bytes.
 */
export function csvCellSql(expr: string): string {
	const n = neutralisedSql(expr);
	// The apostrophe neutralising adds never needs quoting, so the test reads the text as it is.
	return `(case when strpos(${expr}, ',') > 0 or strpos(${expr}, '"') > 0 or strpos(${expr}, E'\\n') > 0 or strpos(${expr}, E'\\r') > 0 then '"' || replace(${n}, '"', '""') || '"' else ${n} end)`;
}

/**
 * An item answer's cell: a JSON number as its text (always a plain number: no work), anything else
 * — which the database's own rule keeps out, but a row from before it or written around it may
 * hold — by `cell` (neutralisedSql for COPY, which quotes; csvCellSql for the formatted batches).
 * Null when the item is absent or null.
 */
export function answerCellSql(instrumentKey: string, cell: (expr: string) => string): string {
	const value = `(r.answers -> ${literal(instrumentKey)})`;
	const text = `(r.answers ->> ${literal(instrumentKey)})`;
	return `(case when jsonb_typeof(${value}) = 'number' then ${text} else ${cell(text)} end)`;
}
