/**
 * Reading CSV files for import: a streaming RFC 4180 parser that reports the physical line each
 * record starts on, and detection of the encoding (UTF-8 or Windows-1252) and the delimiter
 * (comma or semicolon). Pure: no Node or SvelteKit imports.
 */

export interface CsvRecord {
	/** 1-based physical line number where the record starts (the header is line 1). */
	line: number;
	fields: string[];
}

export class CsvError extends Error {
	constructor(
		message: string,
		readonly line: number
	) {
		super(message);
	}
}

/** Longest record accepted, in characters: far above any real row, low enough to bound memory. */
export const MAX_RECORD_CHARS = 1_000_000;

/**
 * Feed text in any chunks with `push`; each call returns the records completed so far. Quoted
 * fields may hold delimiters, doubled quotes and line breaks; CRLF, LF and lone CR end a line.
 * Blank lines are skipped. A quote inside an unquoted field is kept as text.
 */
export class CsvParser {
	private field = '';
	private fields: string[] = [];
	private quoted = false;
	private inQuotes = false;
	private quoteSeen = false;
	private afterCR = false;
	private line = 1;
	private recordLine = 1;
	private recordChars = 0;

	constructor(private readonly delimiter: string) {}

	push(text: string): CsvRecord[] {
		const out: CsvRecord[] = [];
		const d = this.delimiter;
		for (let i = 0; i < text.length; i++) {
			const c = text[i]!;
			if (this.afterCR) {
				this.afterCR = false;
				if (c === '\n') {
					// One line break either way; inside quotes the LF is still part of the cell's CRLF.
					if (this.inQuotes) this.field += c;
					continue;
				}
			}
			if (++this.recordChars > MAX_RECORD_CHARS) {
				throw new CsvError(`A record is longer than ${MAX_RECORD_CHARS} characters (an unclosed quote?).`, this.recordLine);
			}
			if (this.inQuotes) {
				if (this.quoteSeen) {
					this.quoteSeen = false;
					if (c === '"') {
						this.field += '"';
						continue;
					}
					this.inQuotes = false;
					// fall through: c ends the quoted part
				} else if (c === '"') {
					this.quoteSeen = true;
					continue;
				} else {
					if (c === '\n' || c === '\r') {
						this.line++;
						if (c === '\r') this.afterCR = true;
					}
					this.field += c;
					continue;
				}
			}
			if (c === d) {
				this.fields.push(this.field);
				this.field = '';
				this.quoted = false;
			} else if (c === '\n' || c === '\r') {
				if (c === '\r') this.afterCR = true;
				this.endRecord(out);
				this.line++;
				this.recordLine = this.line;
			} else if (c === '"' && this.field === '' && !this.quoted) {
				this.inQuotes = true;
				this.quoted = true;
			} else {
				this.field += c;
			}
		}
		return out;
	}

	/** Call once at the end of input; returns the last record if the file has no final newline. */
	end(): CsvRecord[] {
		if (this.inQuotes && !this.quoteSeen) throw new CsvError('A quoted field is never closed.', this.recordLine);
		this.inQuotes = false;
		const out: CsvRecord[] = [];
		this.endRecord(out);
		return out;
	}

	private endRecord(out: CsvRecord[]): void {
		this.fields.push(this.field);
		const blank = this.fields.length === 1 && this.fields[0] === '' && !this.quoted;
		if (!blank) out.push({ line: this.recordLine, fields: this.fields });
		this.fields = [];
		this.field = '';
		this.quoted = false;
		this.recordChars = 0;
	}
}

export type Encoding = 'utf-8' | 'windows-1252';
export type Delimiter = ',' | ';';

/** True when the bytes are valid UTF-8 (a chunk may end inside a character; pass `final` at the end). */
export class Utf8Check {
	private decoder = new TextDecoder('utf-8', { fatal: true });
	valid = true;
	push(bytes: Uint8Array, final = false): void {
		if (!this.valid) return;
		try {
			this.decoder.decode(bytes, { stream: !final });
		} catch {
			this.valid = false;
		}
	}
}

// Windows-1252 differs from Latin-1 only in 0x80–0x9F (undefined bytes keep their C1 code point).
// Spelled out because Node 20's TextDecoder decodes "windows-1252" as Latin-1.
const CP1252_HIGH = [
	0x20ac, 0x81, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8d, 0x017d, 0x8f,
	0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x9d, 0x017e, 0x0178
];

export interface ChunkDecoder {
	decode(bytes?: Uint8Array, options?: { stream?: boolean }): string;
}

class Cp1252Decoder implements ChunkDecoder {
	decode(bytes: Uint8Array = new Uint8Array(0)): string {
		let out = '';
		for (let i = 0; i < bytes.length; i += 8192) {
			const codes = Array.from(bytes.subarray(i, i + 8192), (b) => (b >= 0x80 && b <= 0x9f ? CP1252_HIGH[b - 0x80]! : b));
			out += String.fromCharCode(...codes);
		}
		return out;
	}
}

/** Decodes chunks in the chosen encoding; a UTF-8 byte-order mark at the start is dropped. */
export function textDecoder(encoding: Encoding): ChunkDecoder {
	return encoding === 'utf-8' ? new TextDecoder('utf-8', { ignoreBOM: false }) : new Cp1252Decoder();
}

/** The delimiter used in the header line: whichever of `;` and `,` occurs more outside quotes. */
export function sniffDelimiter(headerText: string): Delimiter {
	let commas = 0;
	let semicolons = 0;
	let inQuotes = false;
	for (const c of headerText) {
		if (c === '"') inQuotes = !inQuotes;
		else if (!inQuotes && (c === '\n' || c === '\r')) break;
		else if (!inQuotes && c === ',') commas++;
		else if (!inQuotes && c === ';') semicolons++;
	}
	return semicolons > commas ? ';' : ',';
}
