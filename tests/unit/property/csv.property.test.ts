/**
 * The import's CSV reader: any table written per RFC 4180 reads back as the same rows on the
 * physical lines they start on, however the text or its bytes are cut into chunks (inside a CRLF,
 * a quoted field or a multibyte UTF-8 character included), in UTF-8 or Windows-1252.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvLine } from '../../../src/lib/export/csv';
import { CsvError, CsvParser, sniffDelimiter, textDecoder, Utf8Check, type CsvRecord, type Encoding } from '../../../src/lib/import/csv';

const RUNS = 200;
const SPECIAL = ['"', ',', ';', '\r', '\n', '\r\n', ' ', '\t', "'", '='];
const cellChar = fc.oneof(
	{ weight: 2, arbitrary: fc.constantFrom(...SPECIAL) },
	{ weight: 2, arbitrary: fc.constantFrom('a', 'Z', '0', '9', 'é', 'ß', '€', 'Œ', '漢', '😀', '\u00a0', '\u200b') },
	{ weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) }
);
const cell = fc.array(cellChar, { maxLength: 6 }).map((cs) => cs.join(''));

interface Spec {
	rows: { cells: { value: string; quote: boolean }[]; eol: string; blankLines: number }[];
	delimiter: ',' | ';';
	finalEol: boolean;
}
const spec = (char: fc.Arbitrary<string> = cellChar): fc.Arbitrary<Spec> =>
	fc.record({
		rows: fc.array(
			fc.record({
				cells: fc.array(fc.record({ value: fc.array(char, { maxLength: 6 }).map((cs) => cs.join('')), quote: fc.boolean() }), { minLength: 1, maxLength: 5 }),
				eol: fc.constantFrom('\r\n', '\n', '\r'),
				blankLines: fc.integer({ min: 0, max: 1 })
			}),
			{ minLength: 1, maxLength: 6 }
		),
		delimiter: fc.constantFrom(',' as const, ';' as const),
		finalEol: fc.boolean()
	});

/** RFC 4180: quote a cell holding the delimiter, a quote or a line break (and a lone empty cell). */
function write({ rows, delimiter, finalEol }: Spec): { text: string; expected: CsvRecord[] } {
	let text = '';
	const expected: CsvRecord[] = [];
	rows.forEach(({ cells, eol, blankLines }, i) => {
		// The physical line a record starts on: line breaks so far (CRLF, LF or CR) + 1.
		expected.push({ line: (text.match(/\r\n|\r|\n/g)?.length ?? 0) + 1, fields: cells.map((c) => c.value) });
		text += cells
			.map(({ value, quote }) => {
				const must = value.includes(delimiter) || /["\r\n]/.test(value) || (cells.length === 1 && value === '');
				return quote || must ? `"${value.replaceAll('"', '""')}"` : value;
			})
			.join(delimiter);
		if (i < rows.length - 1 || finalEol) text += eol.repeat(1 + blankLines);
	});
	return { text, expected };
}

/** Cuts at the given positions (taken modulo the length), in order. */
function cut<T extends { length: number; slice(a: number, b?: number): T }>(whole: T, at: number[]): T[] {
	const points = [...new Set(at.map((p) => p % (whole.length + 1)))].sort((a, b) => a - b);
	return [0, ...points].map((from, i) => whole.slice(from, [...points, whole.length][i]));
}
const cuts = fc.array(fc.nat(), { maxLength: 12 });

function parse(chunks: string[], delimiter: string): CsvRecord[] {
	const parser = new CsvParser(delimiter);
	const out = chunks.flatMap((c) => parser.push(c));
	return [...out, ...parser.end()];
}
/** As the server reads a stored file: decode each chunk in streaming mode, then flush. */
function parseBytes(chunks: Uint8Array[], encoding: Encoding, delimiter: string): CsvRecord[] {
	const decoder = textDecoder(encoding);
	return parse([...chunks.map((c) => decoder.decode(c, { stream: true })), decoder.decode()], delimiter);
}
const outcome = (read: () => CsvRecord[]): { records: CsvRecord[] } | { error: string; line: number } => {
	try {
		return { records: read() };
	} catch (e) {
		if (!(e instanceof CsvError)) throw e;
		return { error: e.message, line: e.line };
	}
};

// Windows-1252 as the app decodes it; every one of its 256 characters written back to its byte.
const CP1252 = textDecoder('windows-1252').decode(Uint8Array.from({ length: 256 }, (_, i) => i));
const toCp1252 = (text: string) => Uint8Array.from(text, (c) => CP1252.indexOf(c));

describe('CSV reader', () => {
	it('reads back every written table: same fields, records on their physical lines', () => {
		fc.assert(
			fc.property(spec(), (s) => {
				const { text, expected } = write(s);
				expect(parse([text], s.delimiter)).toEqual(expected);
			}),
			{ numRuns: 500 }
		);
	});

	it('gives the same records however the text is cut into chunks', () => {
		fc.assert(
			fc.property(spec(), cuts, (s, at) => {
				const { text, expected } = write(s);
				expect(parse(cut(text, at), s.delimiter)).toEqual(expected);
			}),
			{ numRuns: 500 }
		);
	});

	it('gives the same records however UTF-8 bytes are cut, inside a character or the byte-order mark too', () => {
		fc.assert(
			fc.property(spec(), fc.boolean(), cuts, (s, bom, at) => {
				const { text, expected } = write(s);
				const body = new TextEncoder().encode(text);
				const bytes = bom ? Uint8Array.from([0xef, 0xbb, 0xbf, ...body]) : body;
				expect(parseBytes(cut(bytes, at), 'utf-8', s.delimiter)).toEqual(expected);
			}),
			{ numRuns: 300 }
		);
	});

	it('reads Windows-1252 files the same way, in any chunks', () => {
		fc.assert(
			fc.property(spec(fc.constantFrom(...CP1252, ...SPECIAL)), cuts, (s, at) => {
				const { text, expected } = write(s);
				expect(parseBytes(cut(toCp1252(text), at), 'windows-1252', s.delimiter)).toEqual(expected);
			}),
			{ numRuns: 300 }
		);
	});

	it('on any text: records or a CsvError, the same whatever the chunks, on rising lines', () => {
		const anyText = fc.oneof(fc.array(cellChar, { maxLength: 40 }).map((cs) => cs.join('')), fc.string({ unit: 'binary' }));
		fc.assert(
			fc.property(anyText, fc.constantFrom(',', ';'), cuts, (text, d, at) => {
				const whole = outcome(() => parse([text], d));
				expect(outcome(() => parse(cut(text, at), d))).toEqual(whole);
				const lines = ('records' in whole ? whole.records : []).map((r) => r.line);
				expect(lines).toEqual([...lines].sort((a, b) => a - b));
				expect(new Set(lines).size).toBe(lines.length);
			}),
			{ numRuns: 500 }
		);
	});

	it('takes the header’s delimiter: the one used between its cells, whatever later lines hold', () => {
		fc.assert(
			fc.property(spec(), spec(), (header, rest) => {
				const quoted = { ...header, rows: [{ ...header.rows[0]!, cells: header.rows[0]!.cells.map((c) => ({ ...c, quote: c.quote || /[,;]/.test(c.value) })) }], finalEol: true };
				const other = header.delimiter === ',' ? ';' : ',';
				const text = write(quoted).text + write({ ...rest, delimiter: other }).text;
				expect(sniffDelimiter(text)).toBe(quoted.rows[0]!.cells.length > 1 ? header.delimiter : ',');
			}),
			{ numRuns: RUNS }
		);
	});
});

describe('UTF-8 detection', () => {
	const bytes = fc.oneof(
		fc.uint8Array({ maxLength: 40 }),
		fc.string({ unit: 'binary' }).map((s) => new TextEncoder().encode(s)),
		// valid text with one byte changed or the end cut off
		fc.tuple(fc.string({ unit: 'binary', minLength: 1 }), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean()).map(([s, i, b, truncate]) => {
			const x = new TextEncoder().encode(s);
			if (truncate) return x.slice(0, i % x.length);
			x[i % x.length] = b;
			return x;
		})
	);
	// Valid exactly when decoding (invalid sequences → U+FFFD) and encoding again gives the same bytes.
	const isUtf8 = (x: Uint8Array) => new TextEncoder().encode(new TextDecoder('utf-8', { ignoreBOM: true }).decode(x)).join() === x.join();

	it('calls bytes UTF-8 exactly when they are, however they arrive in chunks', () => {
		fc.assert(
			fc.property(bytes, cuts, (x, at) => {
				const check = new Utf8Check();
				for (const chunk of cut(x, at)) check.push(chunk);
				check.push(new Uint8Array(0), true);
				expect(check.valid).toBe(isUtf8(x));
			}),
			{ numRuns: 500 }
		);
	});
});

describe('export CSV read back by the import', () => {
	it('keeps every cell, except that a formula-like text gets its leading apostrophe', () => {
		const value = fc.oneof(cell, fc.double(), fc.integer(), fc.boolean(), fc.constant(null));
		fc.assert(
			fc.property(fc.array(fc.array(value, { minLength: 2, maxLength: 5 }), { minLength: 1, maxLength: 4 }), cuts, (rows, at) => {
				const records = parse(cut(rows.map(csvLine).join(''), at), ',');
				expect(records.map((r) => r.fields.length)).toEqual(rows.map((r) => r.length));
				rows.forEach((row, i) =>
					row.forEach((x, j) => {
						const field = records[i]!.fields[j]!;
						if (typeof x === 'number') return expect(field).toBe(Number.isFinite(x) ? String(x) : '');
						const s = x === null ? '' : String(x);
						// The export's documented defence: leading =, +, -, @, tab or CR → apostrophe.
						expect(field === s || (/^[=+\-@\t\r]/.test(s) && field === `'${s}`), JSON.stringify([s, field])).toBe(true);
					})
				);
			}),
			{ numRuns: RUNS }
		);
	});
});
