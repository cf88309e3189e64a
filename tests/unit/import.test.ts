import { describe, expect, it } from 'vitest';
import { CsvError, CsvParser, Utf8Check, sniffDelimiter, textDecoder } from '../../src/lib/import/csv';
import { checkMapping, headerKey, proposeMapping } from '../../src/lib/import/fields';
import { answerIssues, layoutOf, normaliseDate, parseRow, type RowContext } from '../../src/lib/import/rows';

function parseAll(text: string, delimiter = ',', chunk = text.length) {
	const p = new CsvParser(delimiter);
	const out = [];
	for (let i = 0; i < text.length; i += chunk) out.push(...p.push(text.slice(i, i + chunk)));
	out.push(...p.end());
	return out;
}

describe('CSV parser', () => {
	it('reads quoted fields, doubled quotes, delimiters and line breaks inside quotes', () => {
		const text = 'a,b,c\r\n1,"x, y","say ""hi"""\r\n2,"two\nlines",\r\n3,plain,"end"';
		const records = parseAll(text);
		expect(records).toEqual([
			{ line: 1, fields: ['a', 'b', 'c'] },
			{ line: 2, fields: ['1', 'x, y', 'say "hi"'] },
			{ line: 3, fields: ['2', 'two\nlines', ''] },
			{ line: 5, fields: ['3', 'plain', 'end'] }
		]);
	});

	it('gives the same records whatever the chunk size (CRLF split across chunks included)', () => {
		const text = 'h1;h2\r\n"a;b";"c""d"\r\n\r\nx;y\ry;z\n';
		const whole = parseAll(text, ';');
		for (const size of [1, 2, 3, 5, 7]) expect(parseAll(text, ';', size)).toEqual(whole);
		expect(whole).toEqual([
			{ line: 1, fields: ['h1', 'h2'] },
			{ line: 2, fields: ['a;b', 'c"d'] },
			{ line: 4, fields: ['x', 'y'] },
			{ line: 5, fields: ['y', 'z'] }
		]);
	});

	it('skips blank lines but keeps a row of empty cells', () => {
		expect(parseAll('a,b\n\n,\n')).toEqual([
			{ line: 1, fields: ['a', 'b'] },
			{ line: 3, fields: ['', ''] }
		]);
	});

	it('reports an unclosed quote with the line it starts on', () => {
		expect(() => parseAll('a,b\n1,"open\n2,3\n')).toThrow(CsvError);
		try {
			parseAll('a,b\n1,"open\n2,3\n');
		} catch (e) {
			expect((e as CsvError).line).toBe(2);
		}
	});

	it('sniffs the delimiter from the header, ignoring quoted text', () => {
		expect(sniffDelimiter('a;b;c\n1,2;3')).toBe(';');
		expect(sniffDelimiter('"a;b",c,d')).toBe(',');
		expect(sniffDelimiter('single')).toBe(',');
	});

	it('tells UTF-8 from Windows-1252 and decodes both', () => {
		const utf8 = new TextEncoder().encode('Zoë;Müller');
		const check = new Utf8Check();
		check.push(utf8.subarray(0, 3)); // ends inside "ë"
		check.push(utf8.subarray(3), true);
		expect(check.valid).toBe(true);
		const cp1252 = Uint8Array.from([0x5a, 0x6f, 0xeb, 0x80]); // "Zoë€" in Windows-1252
		const bad = new Utf8Check();
		bad.push(cp1252, true);
		expect(bad.valid).toBe(false);
		expect(textDecoder('windows-1252').decode(cp1252)).toBe('Zoë€');
		expect(textDecoder('utf-8').decode(Uint8Array.from([0xef, 0xbb, 0xbf, 0x61]))).toBe('a');
	});
});

describe('column mapping', () => {
	it('matches headers by name, label and common aliases, each field once', () => {
		const headers = ['Clinic Ref', 'DOB', 'Visit date', 'Type', 'Sessions', 'FSS9_1', 'fss9__2', 'Notes', 'Clinic_ref', 'Whatever'];
		expect(proposeMapping(headers)).toEqual(['clinic_ref', 'date_of_birth', 'visit_date', 'visit_kind', 'acupuncture_sessions', 'fss9__1', 'fss9__2', 'note', null, null]);
	});

	it('prefers what was remembered for a header, including “ignore”', () => {
		expect(proposeMapping(['Patient', 'Date', 'Notes'], { patient: 'clinic_ref', notes: null })).toEqual(['clinic_ref', 'visit_date', null]);
	});

	it('requires the key fields and refuses a field mapped twice', () => {
		expect(checkMapping(['a', 'b'], ['clinic_ref', 'clinic_ref'])).toEqual({
			1: 'Already mapped from column “a”.',
			form: 'Map a column to: Visit date, Kind of visit, Acupuncture sessions since the last visit.'
		});
		expect(checkMapping(['a', 'b', 'c', 'd'], ['clinic_ref', 'visit_date', 'visit_kind', 'acupuncture_sessions'])).toEqual({});
		expect(checkMapping(['a'], ['nonsense'])[0]).toBe('Unknown field.');
	});

	it('normalises headers', () => {
		expect(headerKey('  Date of Birth ')).toBe('date_of_birth');
		expect(headerKey('Séances (n)')).toBe('seances_n');
	});
});

describe('row parsing', () => {
	const headers = ['ref', 'name', 'dob', 'sex', 'condition', 'date', 'kind', 'sessions', 'flare', 'fss1', 'fss2', 'pain'];
	const mapping = ['clinic_ref', 'name', 'date_of_birth', 'sex', 'condition', 'visit_date', 'visit_kind', 'acupuncture_sessions', 'flare', 'fss9__1', 'fss9__2', 'pain_nrs__pain'];
	const ctx: RowContext = { headers, mapping, dateFormat: 'dmy', conditions: new Map([['rheumatoid_arthritis', 'rheumatoid_arthritis'], ['rheumatoid arthritis', 'rheumatoid_arthritis']]) };
	const layout = layoutOf(mapping);

	it('translates spreadsheet spellings into manual entry’s values', () => {
		const { row, issues } = parseRow({ line: 7, fields: ['A-1', 'Ann Example', '3/4/1970', 'F', 'Rheumatoid Arthritis', '05/06/2024', 'Follow-up', '2', 'Y', '5', '', '7'] }, ctx, layout);
		expect(issues).toEqual([]);
		expect(row).toEqual({
			line: 7,
			clinicRef: 'A-1',
			refKey: 'a-1',
			patient: { name: 'Ann Example', dateOfBirth: '1970-04-03', sex: 'female', conditionCode: 'rheumatoid_arthritis' },
			visit: { visitDate: '2024-06-05', kind: 'follow_up', acupunctureSessions: 2, flare: 'yes', aeAnswer: 'not_asked', note: null },
			responses: [
				{ instrumentId: 'fss9', answers: { '1': 5, '2': null } },
				{ instrumentId: 'pain_nrs', answers: { pain: 7 } }
			]
		});
	});

	it('names each problem by line and column, with manual entry’s messages', () => {
		const { row, issues } = parseRow({ line: 9, fields: ['', 'X', '31/02/1970', 'robot', 'gout', '2024-13-01', 'visit', 'two', 'maybe', '', '', ''] }, ctx, layout);
		expect(row).toBeNull();
		expect(issues).toEqual([
			{ line: 9, column: 'ref', message: 'Enter the clinic reference.' },
			{ line: 9, column: 'dob', message: 'The date of birth is not a real calendar date.' },
			{ line: 9, column: 'sex', message: 'Use female, male, other or unknown.' },
			{ line: 9, column: 'condition', message: 'Not a condition on this instance (see the codebook for codes and names).' },
			{ line: 9, column: 'date', message: 'The visit date is not a real calendar date.' },
			{ line: 9, column: 'kind', message: 'Choose the kind of visit.' },
			{ line: 9, column: 'sessions', message: 'Enter a whole number of sessions.' },
			{ line: 9, column: 'flare', message: 'Choose yes, no or unknown.' }
		]);
	});

	it('flags a row with more cells than the header', () => {
		const { issues } = parseRow({ line: 3, fields: ['A', '', '', '', '', '2024-01-01', 'baseline', '0', '', '', '', '', 'extra'] }, ctx, layout);
		expect(issues[0]!.message).toBe('This row has 13 cells but the header has 12.');
	});

	it('places scorer errors at the item’s column', () => {
		expect(answerIssues(4, 'fss9', [{ item: '2', message: 'Item 2: out of range' }], ctx, layout)).toEqual([{ line: 4, column: 'fss2', message: 'Item 2: out of range' }]);
	});

	it('reads dates in the chosen format and always ISO', () => {
		expect(normaliseDate('1/2/2020', 'dmy')).toBe('2020-02-01');
		expect(normaliseDate('1/2/2020', 'mdy')).toBe('2020-01-02');
		expect(normaliseDate('2020-02-01', 'mdy')).toBe('2020-02-01');
		expect(normaliseDate('1/2/2020', 'iso')).toBeNull();
		expect(normaliseDate('01.02.2020', 'dmy')).toBe('2020-02-01');
	});
});

describe('instrument versions', () => {
	it('are plain tokens, as the database requires (exported unquoted)', async () => {
		const { INSTRUMENTS } = await import('../../src/lib/instruments');
		for (const def of INSTRUMENTS) {
			expect(def.version).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/);
			expect(def.scoringVersion).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]{0,59}$/);
		}
	});
});
