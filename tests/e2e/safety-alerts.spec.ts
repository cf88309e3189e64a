/**
 * The PHQ-9 item 9 alert end to end: a clinician records a visit with a PHQ-9 whose item 9 is
 * above 0 (picked from the picker's “Stress and mood” group); the save succeeds, the alert shows
 * on every clinician's page, on the visit and on /safety; another clinician acknowledges it on
 * the visit page, and it is gone from the notice and the list, with who and when shown.
 */
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { createPatient } from '../../src/lib/server/patients';
import { expect, test } from './fixtures';

/** axe-core (WCAG 2.2 AA) on the page as it stands, with the alert open on it. */
async function axe(page: Page): Promise<string[]> {
	const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
	return result.violations.map((v) => `${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
}

test('a PHQ-9 with item 9 above 0 raises an alert that shows until a clinician acknowledges it', async ({ database, makeUser, signedIn }) => {
	test.slow();
	const clinician = await makeUser('clinician');
	const ref = `AL-${Date.now()}`;
	const p = await createPatient(database.db, { id: clinician.id }, { clinicRef: ref, name: 'Alert Example', dateOfBirth: '1970-01-01', sex: 'female', conditionCode: 'sle', enrolledOn: '2025-01-01' });
	if (!p.ok) throw new Error(p.message);
	const page = await signedIn(clinician);
	const notice = page.getByTestId('safety-alert-notice');

	await page.goto(`/patients/${p.value}/visits/new`);
	await page.getByLabel('Visit date').fill('2025-02-01');
	await page.getByLabel('Kind of visit').selectOption('treatment');
	await page.getByLabel('Acupuncture sessions since the previous visit').fill('1');
	const stressGroup = page.locator('.picker-group').filter({ has: page.getByText('Stress and mood', { exact: true }) });
	await expect(stressGroup.getByRole('button')).toHaveText(['+ PSS-10', '+ GAD-7', '+ PHQ-9', '+ PHQ-4']);
	await stressGroup.getByRole('button', { name: 'Add PHQ-9', exact: true }).click();
	const form = page.locator('fieldset[data-instrument="phq9"]');
	for (let i = 1; i <= 8; i++) await form.locator(`[name="i:phq9:${i}"]`).fill('1');
	await form.locator('[name="i:phq9:9"]').fill('2');
	await page.getByRole('button', { name: 'Save visit' }).click();
	// The save succeeded (on to the patient's page) and the alert is there at once.
	await expect(page.getByRole('heading', { name: /Alert Example/ })).toBeVisible();
	const link = notice.getByRole('link', { name: `${ref}: PHQ-9 item 9 (self-harm thoughts) answered above 0, visit 2025-02-01` });
	await expect(link).toBeVisible();
	await page.goto('/safety');
	await expect(page.locator('ul.open-alerts').getByRole('link', { name: new RegExp(ref) })).toBeVisible();
	expect(await axe(page), '/safety with an open alert').toEqual([]);

	const colleague = await makeUser('clinician');
	const other = await signedIn(colleague);
	await other.goto('/');
	await other.getByTestId('safety-alert-notice').getByRole('link', { name: new RegExp(ref) }).click();
	const section = other.locator('#safety-alerts');
	await expect(section).toContainText('answer 2');
	await expect(section).toContainText(`at the save by ${clinician.name}`);
	expect(await axe(other), 'the visit page with an open alert').toEqual([]);
	await section.getByRole('button', { name: 'Acknowledge alert' }).click();
	await expect(other.getByRole('status').filter({ hasText: 'Acknowledged.' })).toBeVisible();
	await expect(section).toContainText(`Acknowledged by ${colleague.name}`);
	await expect(other.getByTestId('safety-alert-notice').getByRole('link', { name: new RegExp(ref) })).toHaveCount(0);

	await page.goto('/safety');
	await expect(page.locator('ul.open-alerts').getByRole('link', { name: new RegExp(ref) })).toHaveCount(0);
	await expect(notice.getByRole('link', { name: new RegExp(ref) })).toHaveCount(0);
});
