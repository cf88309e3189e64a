import { activateDefinition, deactivateInstrument, uploadDefinition } from '../../src/lib/server/instruments/store';
import { tinyInstrument } from '../fixtures/tiny-instrument';
import { expect, test } from './fixtures';

const HEADER = 'Patient;Name;Born;Sex;Diagnosis;Date;Type;Sessions;Pain;Notes';

function csv(tag: string, pains: number[]): Buffer {
	const rows = pains.map((pain, i) => `IMP-${tag};Imported Zoë;03/04/1971;F;SLE;${String(i + 2).padStart(2, '0')}/06/2025;${i === 0 ? 'Baseline' : 'treatment'};${i === 0 ? 0 : 2};${pain};"first; second"`);
	// Windows-1252 bytes (a Latin-1 name would be é = 0xE9), semicolon-separated, CRLF.
	return Buffer.from([HEADER, ...rows].join('\r\n'), 'latin1');
}

test('a clinician uploads a CSV, sees the rejected row, fixes the file and imports it; the history is on the patient’s chart', async ({ makeUser, signedIn }) => {
	const clinician = await makeUser('clinician');
	const page = await signedIn(clinician);
	const tag = `${Date.now()}`;

	await page.goto('/patients');
	await page.getByRole('link', { name: 'Import from CSV' }).click();
	await expect(page.getByRole('heading', { name: 'Import from CSV' })).toBeVisible();
	const template = await page.request.get('/patients/import/template.csv');
	expect(await template.text()).toMatch(/^clinic_ref,name,date_of_birth,sex,condition,enrolled_on,visit_date,visit_kind,acupuncture_sessions,flare,note,fss9__1/);
	expect(await (await page.request.get('/patients/import/codebook')).text()).toContain('`pain_nrs__pain`');

	// First file: the third visit's pain is 12, outside 0–10.
	await page.setInputFiles('#file', { name: `history-${tag}.csv`, mimeType: 'text/csv', buffer: csv(tag, [7, 6, 12]) });
	await page.getByRole('button', { name: 'Upload' }).click();
	await expect(page.getByRole('heading', { name: `Import: history-${tag}.csv` })).toBeVisible();
	await expect(page.getByText('Windows-1252, semicolon-separated, 10 columns')).toBeVisible();
	// Proposed from the headers; "Patient" and "Pain" are mapped by hand.
	await expect(page.getByRole('combobox', { name: 'Born' })).toHaveValue('date_of_birth');
	await expect(page.getByRole('combobox', { name: 'Type' })).toHaveValue('visit_kind');
	await page.getByRole('combobox', { name: 'Patient', exact: true }).selectOption('clinic_ref');
	await page.getByRole('combobox', { name: 'Pain', exact: true }).selectOption('pain_nrs__pain');
	await page.getByRole('combobox', { name: 'Dates in this file' }).selectOption('dmy');
	await page.getByRole('button', { name: 'Save the mapping and run the dry run' }).click();

	const summary = page.getByTestId('import-summary');
	await expect(summary).toContainText('Rows read3');
	await expect(summary).toContainText('Rejected1');
	const issues = page.getByTestId('import-issues');
	await expect(issues.locator('tbody tr')).toHaveCount(1);
	await expect(issues).toContainText('4');
	await expect(issues).toContainText('Pain');
	await expect(page.getByText('1 row was rejected')).toBeVisible();
	await expect(page.getByRole('button', { name: /^Import \d+ visits/ })).toHaveCount(0);
	const report = await page.request.get(page.url() + '/issues.csv');
	expect(await report.text()).toMatch(/^line,column,status,reason\r\n4,Pain,rejected,/);

	// The corrected file: the mapping (and date format) is remembered, so the dry run starts from it.
	await page.goto('/patients/import');
	await page.setInputFiles('#file', { name: `history-${tag}-fixed.csv`, mimeType: 'text/csv', buffer: csv(tag, [7, 6, 4]) });
	await page.getByRole('button', { name: 'Upload' }).click();
	await expect(page.getByRole('combobox', { name: 'Pain', exact: true })).toHaveValue('pain_nrs__pain');
	await expect(page.getByRole('combobox', { name: 'Patient', exact: true })).toHaveValue('clinic_ref');
	await expect(page.getByRole('combobox', { name: 'Dates in this file' })).toHaveValue('dmy');
	await page.getByRole('button', { name: 'Run the dry run with the saved mapping' }).click();
	await expect(summary).toContainText('Rejected0');
	await page.getByRole('button', { name: 'Import 3 visits for 1 patient' }).click();
	await expect(page.getByTestId('import-status')).toHaveText('Imported');
	await expect(summary).toContainText('Visits created3');

	// The patient exists with the imported visits on the pain trajectory and in the history.
	await page.goto(`/patients?q=IMP-${tag}`);
	await page.getByRole('link', { name: `IMP-${tag}` }).click();
	const trajectory = page.locator('figure[data-chart="pain_nrs-score"]');
	await expect(trajectory.locator('tbody tr')).toHaveCount(3);
	await expect(trajectory.locator('tbody')).toContainText('4');
	await expect(page.getByRole('heading', { name: 'History' })).toBeVisible();
	await expect(page.getByText('Imported Zoë').first()).toBeVisible();
	await expect(page.getByText(`Import of “history-${tag}-fixed.csv” (SHA-256`).first()).toBeVisible();

	// Uploading the committed file again is refused.
	await page.goto('/patients/import');
	await page.setInputFiles('#file', { name: 'again.csv', mimeType: 'text/csv', buffer: csv(tag, [7, 6, 4]) });
	await page.getByRole('button', { name: 'Upload' }).click();
	await expect(page.getByRole('alert')).toContainText('already been imported');
});

test('researchers cannot reach any import page or endpoint', async ({ makeUser, signedIn }) => {
	const researcher = await makeUser('researcher');
	const page = await signedIn(researcher);
	const id = '00000000-0000-4000-8000-000000000000';
	const calls: [string, string, object?][] = [
		['GET', '/patients/import'],
		['GET', `/patients/import/${id}`],
		['GET', '/patients/import/template.csv'],
		['GET', '/patients/import/codebook'],
		['GET', `/patients/import/${id}/issues.csv`],
		['POST', '/patients/import/upload', { fileName: 'x.csv', size: 10 }],
		['PUT', `/patients/import/${id}/part?seq=0`],
		['POST', `/patients/import/${id}/finish`],
		['POST', `/patients/import/${id}/run`, { mode: 'dry' }]
	];
	for (const [method, url, body] of calls) {
		const response = await page.request.fetch(url, { method, data: body ?? 'x', maxRedirects: 0, headers: { 'content-type': body ? 'application/json' : 'application/octet-stream' } });
		expect(response.status(), `${method} ${url}`).toBe(403);
	}
});

test('the mapping page opens while two uploaded instruments share a short name (it crashed on a duplicate key)', async ({ database, makeUser, signedIn }) => {
	// Two active uploads titled alike, as the fuzz and a clinic trying versions of a form leave them.
	const admin = await makeUser('admin');
	const ids: string[] = [];
	for (let i = 0; i < 2; i++) {
		const id = `imp_twin_${crypto.randomUUID().replaceAll('-', '').slice(0, 10)}`;
		const up = await uploadDefinition(database.db, { id: admin.id }, JSON.stringify(tinyInstrument({ id, title: 'Twin scale' })));
		if (!up.ok) throw new Error(up.message);
		const on = await activateDefinition(database.db, { id: admin.id }, id, '1');
		if (!on.ok) throw new Error(on.message);
		ids.push(id);
	}
	try {
		const clinician = await makeUser('clinician');
		const page = await signedIn(clinician);
		const errors: string[] = [];
		page.on('pageerror', (e) => errors.push(e.message));
		const tag = `${Date.now()}`;
		await page.goto('/patients/import');
		await page.setInputFiles('#file', { name: `twin-${tag}.csv`, mimeType: 'text/csv', buffer: csv(tag, [3]) });
		await page.getByRole('button', { name: 'Upload' }).click();
		await expect(page.getByRole('heading', { name: `Import: twin-${tag}.csv` })).toBeVisible();
		// The server maps to the built-in instruments only; the page offers those, once each.
		await expect(page.getByRole('combobox', { name: 'Pain', exact: true }).locator('optgroup[label="Pain NRS"]')).toHaveCount(1);
		await expect(page.getByRole('combobox', { name: 'Pain', exact: true }).locator('optgroup[label="Twin scale"]')).toHaveCount(0);
		expect(errors).toEqual([]);
	} finally {
		for (const id of ids) await deactivateInstrument(database.db, { id: admin.id }, id);
	}
});
