/**
 * Hostile values for the HTTP fuzz pass, and the encoders that put them on the wire byte for byte
 * (a lone surrogate or an invalid UTF-8 sequence cannot go through encodeURIComponent or FormData).
 */

/** A field value: text, or raw bytes sent as they are (percent-encoded in a form, verbatim in multipart). */
export type Value = string | Buffer;

export interface Payload {
	label: string;
	value: Value;
}

const p = (label: string, value: Value): Payload => ({ label, value });

/** The two values whose echo must never come back as markup. */
export const XSS_SCRIPT = '<script>alert(1)</script>';
export const XSS_ATTR = '"><img src=x onerror=alert(1)>';
/** What must not appear in an HTML answer (the attribute payload is harmless once `"` and `<` are escaped). */
export const UNESCAPED = [XSS_SCRIPT, '<img src=x onerror=alert(1)>'];

export const FIELD_PAYLOADS: Payload[] = [
	p('empty', ''),
	p('spaces', '   '),
	p('100 kB ASCII', 'A'.repeat(100_000)),
	p('100 kB multibyte', 'é'.repeat(50_000)),
	p('numeric 42', '42'),
	p('negative', '-1'),
	p('minus zero', '-0'),
	p('decimal', '1.5'),
	p('decimal comma', '1,5'),
	p('1e309', '1e309'),
	p('NaN', 'NaN'),
	p('Infinity', 'Infinity'),
	p('2^53+1', '9007199254740993'),
	p('int32 overflow', '2147483648'),
	p('full-width digits', '７'),
	p('null', 'null'),
	p('2024-02-30', '2024-02-30'),
	p('0000-01-01', '0000-01-01'),
	p('9999-12-31', '9999-12-31'),
	p('1899-12-31', '1899-12-31'),
	p('RTL override', 'abc\u202Edef'),
	p('combining marks', 'Z\u0351\u0352\u0353\u0354\u0355\u0356\u0357\u0358\u0359\u035A'),
	p('emoji ZWJ', '👩🏽‍⚕️🧪'),
	p('lone surrogate (WTF-8)', Buffer.from([0xed, 0xa0, 0x80])),
	p('invalid UTF-8', Buffer.from([0xff, 0xfe, 0xc0, 0xaf])),
	p('null byte', 'a\u0000b'),
	p('CRLF', 'a\r\nSet-Cookie: x=1'),
	p('SQL quote', "' OR '1'='1"),
	p('SQL drop', "'; DROP TABLE patients; --"),
	p('XSS script', XSS_SCRIPT),
	p('XSS attribute', XSS_ATTR),
	p('protocol-relative URL', '//evil.example/')
];

/** Values for a path parameter (an id in the URL); each is percent-encoded into its segment. */
export const PARAM_PAYLOADS: Payload[] = [
	p('not a uuid', 'not-a-uuid'),
	p('zero', '0'),
	p('36 dashes', '-'.repeat(36)),
	p('36 hex, no dashes', 'a'.repeat(36)),
	p('dashes misplaced', '0000000-00000-4000-8000-0000000000000'),
	p('uuid + x', '00000000-0000-4000-8000-00000000000x'),
	p('braced uuid', '{00000000-0000-4000-8000-000000000000}'),
	p('nil uuid', '00000000-0000-0000-0000-000000000000'),
	p('SQL quote', "1' OR '1'='1"),
	p('null byte', 'a\u0000b'),
	p('10k chars', 'f'.repeat(10_000)),
	p('XSS script', XSS_SCRIPT),
	p('RTL override', '\u202E00000000'),
	p('dot dot', '..')
];

/** JSON values for a JSON body's fields: every type, and numbers JSON can only just say. */
export const JSON_PAYLOADS: { label: string; json: string }[] = [
	...FIELD_PAYLOADS.filter((x) => typeof x.value === 'string').map((x) => ({ label: `"${x.label}"`, json: JSON.stringify(x.value) })),
	{ label: 'lone surrogate escape', json: '"\\ud800"' },
	{ label: 'null', json: 'null' },
	{ label: 'true', json: 'true' },
	{ label: '0', json: '0' },
	{ label: '-1', json: '-1' },
	{ label: '-0', json: '-0' },
	{ label: '1.5', json: '1.5' },
	{ label: '1e309 (Infinity)', json: '1e309' },
	{ label: '2^53+1', json: '9007199254740993' },
	{ label: 'array', json: '["a", 1]' },
	{ label: 'object', json: '{"a": 1}' },
	{ label: 'NaN (invalid JSON)', json: 'NaN' },
	{ label: 'Infinity (invalid JSON)', json: 'Infinity' }
];

function percent(value: Value): string {
	if (typeof value === 'string') return encodeURIComponent(value);
	return [...value].map((b) => `%${b.toString(16).padStart(2, '0').toUpperCase()}`).join('');
}

export type Entry = [name: string, value: Value | FilePart];
export interface FilePart {
	filename: Value;
	type: string;
	data: Buffer;
}
export const isFile = (v: Entry[1]): v is FilePart => typeof v === 'object' && !Buffer.isBuffer(v);

/** application/x-www-form-urlencoded (a file part becomes its name, as a browser would send it). */
export function urlencoded(entries: Entry[]): string {
	return entries.map(([k, v]) => `${percent(k)}=${percent(isFile(v) ? v.filename : v)}`).join('&');
}

export function multipart(entries: Entry[], boundary = '----fuzz' + Math.random().toString(16).slice(2)): { body: Buffer; contentType: string } {
	const parts: Buffer[] = [];
	const text = (s: Value) => (typeof s === 'string' ? Buffer.from(s, 'utf8') : s);
	for (const [k, v] of entries) {
		parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k.replace(/"/g, '%22')}"`));
		if (isFile(v)) {
			parts.push(Buffer.from('; filename="'), text(typeof v.filename === 'string' ? v.filename.replace(/"/g, '%22') : v.filename), Buffer.from(`"\r\nContent-Type: ${v.type}\r\n\r\n`), v.data);
		} else {
			parts.push(Buffer.from('\r\n\r\n'), text(v));
		}
		parts.push(Buffer.from('\r\n'));
	}
	parts.push(Buffer.from(`--${boundary}--\r\n`));
	return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

export function query(entries: Entry[]): string {
	const q = urlencoded(entries);
	return q ? `?${q}` : '';
}

/** A path segment holding the value, percent-encoded byte for byte. */
export function segment(value: Value): string {
	return percent(value);
}

/** A JSON object with each field's JSON text as given (so invalid JSON stays invalid). */
export function jsonObject(fields: [string, string][]): string {
	return `{${fields.map(([k, json]) => `${JSON.stringify(k)}: ${json}`).join(', ')}}`;
}
