// An uploaded file's name is kept whole or refused, never cut: a name over 255 characters is
// refused with a message before anything is stored.
import { sql } from 'drizzle-orm';
import { executeRows } from '../../src/lib/server/db';
import { expect, test } from './fixtures';
import { send, sessionCookie } from './route-tree';

const FILE = Buffer.from('clinic_ref,name\r\nA-1,Ann\r\n', 'utf8');

test('a file name over 255 characters is refused at upload, whole; one of 255 is kept whole', async ({ makeUser, signedIn, database }) => {
	const clinician = await makeUser('clinician');
	const page = await signedIn(clinician);
	const imports = async () => (await executeRows(database.db, sql`select file_name from imports where created_by = ${clinician.id}::uuid`)).map((r) => String(r.file_name));
	const tag = `${Date.now()}`;
	const long = `${tag}-${'x'.repeat(256 - tag.length - 5)}.csv`; // 256 characters
	expect([...long]).toHaveLength(256);

	await page.goto('/patients/import');
	await page.setInputFiles('#file', { name: long, mimeType: 'text/csv', buffer: FILE });
	await page.getByRole('button', { name: 'Upload' }).click();
	await expect(page.getByRole('alert')).toContainText('The file name has 256 characters; at most 255 are kept. Rename the file and upload it again.');
	expect(await imports()).toEqual([]);

	const fits = long.slice(1); // 255 characters
	await page.setInputFiles('#file', { name: fits, mimeType: 'text/csv', buffer: FILE });
	await page.getByRole('button', { name: 'Upload' }).click();
	await expect(page.getByRole('heading', { name: `Import: ${fits}` })).toBeVisible();
	expect(await imports()).toEqual([fits]);
});

test('the upload endpoint refuses a long or disguised name with a message, as JSON', async ({ makeUser, database, baseURL }) => {
	const clinician = await makeUser('clinician');
	const cookie = await sessionCookie(database, clinician.id);
	const start = (fileName: string) =>
		send(baseURL!, '/patients/import/upload', {
			method: 'POST',
			headers: { origin: new URL(baseURL!).origin, 'content-type': 'application/json', accept: 'application/json' },
			body: JSON.stringify({ fileName, size: FILE.byteLength }),
			cookie
		});
	const long = await start(`${'é'.repeat(300)}.csv`);
	expect(long.status).toBe(400);
	expect(JSON.parse(long.body).message).toContain('The file name has 304 characters; at most 255 are kept.');
	const disguised = await start('report\u202Evsc.exe');
	expect(disguised.status).toBe(400);
	expect(JSON.parse(disguised.body).message).toContain('invisible character (U+202E)');
	const rows = await executeRows(database.db, sql`select count(*)::int as n from imports where created_by = ${clinician.id}::uuid`);
	expect(rows[0]!.n).toBe(0);
});
