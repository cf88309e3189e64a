// Instruments as data, end to end: an admin uploads a small instrument written here (a file),
// sees its worked examples pass and activates it; a clinician records it at a visit with the live
// score; it appears on the patient's page and chart, and in the export with its codebook entry.
import fs from 'node:fs';
import { addCondition, createPatient } from '../../src/lib/server/patients';
import { recordVisit } from '../../src/lib/server/visits';
import { refreshInstruments } from '../../src/lib/server/instruments/installed';
import { tinyInstrument } from '../fixtures/tiny-instrument';
import { expect, test } from './fixtures';

test('an admin uploads an instrument, a clinician records it, it is charted and exported', async ({ database, makeUser, signedIn }) => {
	test.slow();
	const tag = Date.now().toString(36);
	const id = `e2e_${tag}`;
	const title = `Tiny e2e ${tag}`;
	const admin = await signedIn(await makeUser('admin'));
	await admin.goto('/admin/instruments');
	// A definition whose example is wrong is refused at the field, beside the expected value.
	await admin.getByLabel('Definition file (JSON)').setInputFiles({ name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(tinyInstrument({ id, title, wrongExample: true }))) });
	await admin.getByRole('button', { name: 'Check and store' }).click();
	await expect(admin.locator('#field-file-error')).toContainText('1 of 3 worked example(s) failed');
	await expect(admin.getByRole('row', { name: /three FAIL total: expected 99 ± 1e-9, got 3/ })).toBeVisible();

	await admin.getByLabel('Definition file (JSON)').setInputFiles({ name: 'tiny.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(tinyInstrument({ id, title }), null, 2)) });
	await admin.getByRole('button', { name: 'Check and store' }).click();
	await expect(admin.getByRole('status').filter({ hasText: `Stored: ${id} version 1` })).toBeVisible();
	await expect(admin.getByRole('row', { name: /three pass total 3/ })).toBeVisible();
	await admin.getByRole('button', { name: `Activate ${id} 1` }).click();
	await expect(admin.getByRole('status').filter({ hasText: `${id} version 1 is now in use for new entries` })).toBeVisible();

	// Five more patients with it (the export shows groups of at least k = 5).
	await refreshInstruments(database.db);
	const clinicianUser = await makeUser('clinician');
	const actor = { id: clinicianUser.id };
	const condition = await addCondition(database.db, actor, { code: `ti_${tag}`, label: `Instrument condition ${tag}` });
	if (!condition.ok) throw new Error(condition.message);
	const newPatient = async (i: number) => {
		const p = await createPatient(database.db, actor, { clinicRef: `TI-${tag}-${i}`, name: `Tiny Person ${i}`, dateOfBirth: '1980-03-03', sex: 'female', conditionCode: condition.value, enrolledOn: '2025-01-01' });
		if (!p.ok) throw new Error(p.message);
		return p.value;
	};
	for (let i = 1; i <= 5; i++) {
		const v = await recordVisit(database.db, actor, await newPatient(i), { visitDate: '2025-01-06', kind: 'baseline', acupunctureSessions: 0, flare: 'no', note: null }, [{ instrumentId: id, answers: { a: 2, b: 2 } }]);
		if (!v.ok) throw new Error(JSON.stringify(v));
	}

	const patientId = await newPatient(0);
	const page = await signedIn(clinicianUser);
	await page.goto(`/patients/${patientId}/visits/new`);
	await page.getByLabel('Visit date').fill('2025-01-06');
	await page.getByLabel('Kind of visit').selectOption('baseline');
	await page.getByLabel('Acupuncture sessions since the previous visit').fill('0');
	await page.getByRole('button', { name: `Add ${title}` }).click();
	const fieldset = page.locator(`fieldset[data-instrument="${id}"]`);
	await fieldset.getByLabel('Item A').fill('1');
	await fieldset.getByLabel('Item B').fill('2');
	await expect(fieldset).toContainText('Total: 3');
	await page.getByRole('button', { name: 'Save visit' }).click();
	await expect(page.getByRole('heading', { name: /Tiny Person 0/ })).toBeVisible();
	await expect(page.locator(`.score-line[data-instrument="${id}"]`)).toContainText('Total 3');
	// Its chart's numbers, as the table beside the chart gives them.
	await expect(page.getByText(title).first()).toBeVisible();

	await page.goto('/export');
	await page.getByLabel(title, { exact: true }).check();
	await page.getByLabel(`Instrument condition ${tag}`).check();
	await page.getByLabel('Include item answers').check();
	await page.getByRole('button', { name: 'Preview' }).click();
	await expect(page.getByTestId('patients')).toHaveText('6');
	const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download CSV' }).click()]);
	const lines = fs.readFileSync((await download.path())!, 'utf8').trim().split('\r\n');
	expect(lines[0]).toMatch(new RegExp(`,instrument,instrument_version,scale,score,source,${id}__a,${id}__b$`));
	expect(lines.slice(1).filter((l) => l.includes(`,${id},1,total,3,clinician,1,2`))).toHaveLength(1);
	expect(lines.slice(1).filter((l) => l.includes(`,${id},1,total,4,clinician,2,2`))).toHaveLength(5);
	const codebook = await page.request.get(new URL(download.url()).pathname.replace('download', 'codebook') + new URL(download.url()).search);
	expect(codebook.status()).toBe(200);
	expect(await codebook.text()).toContain(id);
});
