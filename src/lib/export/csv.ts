/**
 * CSV cells per RFC 4180, UTF-8. A cell a spreadsheet would run as a formula (leading =, +, -, @,
 * tab or carriage return) gets a leading apostrophe — except plain numbers, which stay numeric.
 * The export's cells formatted by the database follow the same two patterns (server/export/cells.ts).
 */
export const PLAIN_NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
export const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: string | number | boolean | null | undefined): string {
	if (value === null || value === undefined) return '';
	let s = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : String(value);
	if (FORMULA_START.test(s) && !PLAIN_NUMBER.test(s)) s = `'${s}`;
	return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(cells: (string | number | boolean | null | undefined)[]): string {
	return cells.map(csvCell).join(',') + '\r\n';
}
