import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { FileNameSchema, MAX_FILE_NAME } from '../../src/lib/validation/upload';

const message = (name: string) => {
	const r = v.safeParse(FileNameSchema, name);
	return r.success ? null : r.issues[0].message;
};

describe('an uploaded file’s name', () => {
	it('is kept whole up to 255 characters (code points, as the database counts them), trimmed', () => {
		expect(MAX_FILE_NAME).toBe(255);
		const fits = `${'a'.repeat(251)}.csv`;
		expect(v.safeParse(FileNameSchema, `  ${fits} `)).toMatchObject({ success: true, output: fits });
		const emoji = `${'😀'.repeat(251)}.csv`; // 255 code points, 506 UTF-16 units
		expect(v.safeParse(FileNameSchema, emoji)).toMatchObject({ success: true, output: emoji });
	});
	it('is refused, not cut, when longer, saying by how much', () => {
		expect(message(`${'a'.repeat(252)}.csv`)).toBe('The file name has 256 characters; at most 255 are kept. Rename the file and upload it again.');
		expect(message(`${'😀'.repeat(252)}.csv`)).toContain('has 256 characters');
	});
	it('is refused when empty or holding a character that does not show', () => {
		expect(message('   ')).toBe('Choose a CSV file.');
		expect(message('report\u202ecsv.exe')).toContain('invisible character (U+202E)');
	});
});
