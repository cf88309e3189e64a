/**
 * Adverse events end to end: a clinician records one from the patient's page and then a serious
 * one; the notice appears on their pages at once; an admin opens it and acknowledges it, and it
 * is gone. A refused save keeps what was typed and says what is wrong at the field.
 */
import type { Page } from '@playwright/test';
import { createPatient } from '../../src/lib/server/patients';
import { expect, test } from './fixtures';

async function fillEvent(page: Page, e: { onset: string; kind: string; severity: string; serious: 'yes' | 'no'; criteria?: string[]; related: string; action: string; outcome: string }) {
	await page.getByLabel('Onset date').fill(e.onset);
	await page.getByLabel('Kind of event').selectOption({ label: e.kind });
	await page.getByLabel('Severity').selectOption({ label: e.severity });
	await page.getByLabel('Serious', { exact: true }).selectOption(e.serious);
	for (const c of e.criteria ?? []) await page.getByLabel(c).check();
	await page.getByLabel('Related to treatment (WHO-UMC)').selectOption({ label: e.related });
	await page.getByLabel('Action taken').selectOption({ label: e.action });
	await page.getByLabel('Outcome').selectOption({ label: e.outcome });
}

test('a clinician records an adverse event and a serious one; the notice shows until an admin acknowledges it', async ({ database, makeUser, signedIn }) => {
	test.slow();
	const clinician = await makeUser('clinician');
	const ref = `AE-${Date.now()}`;
	const p = await createPatient(database.db, { id: clinician.id }, { clinicRef: ref, name: 'Adverse Example', dateOfBirth: '1970-01-01', sex: 'female', conditionCode: 'sle', enrolledOn: '2025-01-01' });
	if (!p.ok) throw new Error(p.message);
	const page = await signedIn(clinician);
	const notice = page.locator('.safety-notice');

	await page.goto(`/patients/${p.value}`);
	await page.getByRole('link', { name: 'Record an adverse event' }).click();
	await fillEvent(page, { onset: '2025-02-03', kind: 'Bleeding or bruising at a needle site', severity: 'Mild', serious: 'no', related: 'Probable / likely', action: 'None', outcome: 'Recovered' });
	await page.getByLabel('Resolution date (if resolved)').fill('2025-02-01');
	await page.getByRole('button', { name: 'Save adverse event' }).click();
	// Refused at the field, with what was typed kept.
	await expect(page.locator('#field-resolvedOn-error')).toHaveText('The resolution cannot be before the onset.');
	await expect(page.getByLabel('Onset date')).toHaveValue('2025-02-03');
	await page.getByLabel('Resolution date (if resolved)').fill('2025-02-05');
	await page.getByRole('button', { name: 'Save adverse event' }).click();
	await expect(page.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();
	await expect(notice.getByRole('link', { name: new RegExp(ref) })).toHaveCount(0);

	await page.goto(`/patients/${p.value}/adverse-events/new`);
	await fillEvent(page, { onset: '2025-02-10', kind: 'Pneumothorax (air around a lung)', severity: 'Severe', serious: 'yes', related: 'Probable / likely', action: 'Referred for medical care', outcome: 'Recovering' });
	await page.getByRole('button', { name: 'Save adverse event' }).click();
	await expect(page.locator('#field-seriousCriteria-error')).toContainText('at least one');
	await page.getByLabel('Hospital admission, or a longer stay').check();
	await page.getByRole('button', { name: 'Save adverse event' }).click();
	await expect(page.getByRole('heading', { name: /Pneumothorax/ })).toBeVisible();
	// At once, on the clinician's own next page.
	await expect(notice.getByRole('link', { name: `${ref}: Pneumothorax (air around a lung), onset 2025-02-10` })).toBeVisible();
	await expect(page.getByText('Not yet acknowledged by an administrator.')).toBeVisible();
	await page.goto(`/patients/${p.value}`);
	await expect(page.locator('table.adverse-events')).toContainText('Serious, not yet acknowledged');
	await expect(notice.getByRole('link', { name: new RegExp(ref) })).toBeVisible();

	const admin = await makeUser('admin');
	const asAdmin = await signedIn(admin);
	await asAdmin.goto('/');
	await asAdmin.locator('.safety-notice').getByRole('link', { name: new RegExp(ref) }).click();
	await asAdmin.getByRole('button', { name: 'Acknowledge serious event' }).click();
	await expect(asAdmin.getByText(`Acknowledged by ${admin.name}`)).toBeVisible();
	await expect(asAdmin.locator('.safety-notice').getByRole('link', { name: new RegExp(ref) })).toHaveCount(0);
	await expect(asAdmin.locator('.history')).toContainText('acknowledge');

	await page.goto(`/patients/${p.value}`);
	await expect(page.locator('table.adverse-events')).not.toContainText('not yet acknowledged');
	await expect(notice.getByRole('link', { name: new RegExp(ref) })).toHaveCount(0);
});

test('a researcher sees the safety figures but no way into a patient', async ({ makeUser, signedIn }) => {
	const page = await signedIn(await makeUser('researcher'));
	await page.goto('/safety');
	await expect(page.getByRole('heading', { name: 'Safety', level: 1 })).toBeVisible();
	await expect(page.locator('.safety-notice')).toHaveCount(0);
	await expect(page.locator('a[href^="/patients/"]')).toHaveCount(0);
	await expect(page.getByRole('heading', { name: 'By month in treatment' })).toBeVisible();
	await expect(page.locator('table.flare-trend')).toBeVisible();
	const api = await page.request.get('/api/safety?conditions=sle');
	expect(api.status()).toBe(200);
	const body = await api.json();
	expect(Object.keys(body).sort()).toEqual(['flare_trend', 'flares', 'groups', 'k', 'overall', 'stress_flare']);
	expect(Array.isArray(body.flare_trend)).toBe(true);
});

test('the adverse-event form sent twice records one event', async ({ database, makeUser, signedIn }) => {
	// A walk-through called requestSubmit() twice and got two events: the form now carries a one-time key.
	const clinician = await makeUser('clinician');
	const ref = `AE2-${Date.now()}`;
	const p = await createPatient(database.db, { id: clinician.id }, { clinicRef: ref, name: 'Twice Example', dateOfBirth: '1970-01-01', sex: 'female', conditionCode: 'sle', enrolledOn: '2025-01-01' });
	if (!p.ok) throw new Error(p.message);
	const page = await signedIn(clinician);
	await page.goto(`/patients/${p.value}/adverse-events/new`);
	await fillEvent(page, { onset: '2025-02-03', kind: 'Headache', severity: 'Mild', serious: 'no', related: 'Possible', action: 'None', outcome: 'Recovering' });
	await page.evaluate(() => {
		const form = document.querySelector('main form') as HTMLFormElement;
		form.requestSubmit();
		form.requestSubmit();
	});
	await expect(page.getByRole('heading', { name: /Headache/ })).toBeVisible();
	await page.goto(`/patients/${p.value}`);
	await expect(page.locator('table.adverse-events tbody tr')).toHaveCount(1);
});
