import { expect, test } from './fixtures';
import type { Page } from '@playwright/test';
import { sql } from 'drizzle-orm';
import { executeRows } from '../../src/lib/server/db';

/** Types values into consecutive fields, moving with Tab, starting from the focused one. */
async function typeAcross(page: Page, values: (string | number)[]) {
	for (const [i, value] of values.entries()) {
		await page.keyboard.type(String(value));
		if (i < values.length - 1) await page.keyboard.press('Tab');
	}
}

async function addInstrument(page: Page, shortName: string) {
	await page.getByRole('button', { name: `Add ${shortName}`, exact: true }).focus();
	await page.keyboard.press('Enter');
	await expect(page.getByRole('button', { name: `Add ${shortName}`, exact: true })).toHaveCount(0);
}

/** Visit fields by keyboard (the date defaults to today), then the three instruments. */
async function startBaselineVisit(page: Page) {
	await page.getByLabel('Kind of visit').focus();
	await page.keyboard.type('Baseline');
	await page.keyboard.press('Tab');
	await page.keyboard.type('0');
	for (const name of ['FSS-9', 'Pain NRS', 'RAND-36']) await addInstrument(page, name);
}

// RAND-36 precodes: every item answered with a valid code.
const RAND36 = [2, 3, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2, 2, 1, 2, 2, 3, 5, 5, 3, 2, 5, 4, 2, 4, 5, 4, 2, 4, 2];

test('a clinician registers a patient and records a baseline visit with the keyboard only', async ({ makeUser, signedIn }) => {
	// About 50 answers typed key by key, each re-scored live: 15 s on an idle 2-core machine, 28 s
	// and once 32 s alongside the rest of the suite — over the default 30 s (2026-11-30).
	test.slow();
	const page = await signedIn(await makeUser('clinician'));
	const ref = `E2E-${Date.now()}`;

	await page.goto('/patients/new');
	await page.getByLabel('Clinic reference').fill(ref);
	await page.getByLabel('Name').fill('Keyboard Patient');
	await page.getByLabel('Date of birth').fill('1975-03-02');
	await page.getByLabel('Sex').selectOption('female');
	await page.getByLabel('Condition').selectOption('multiple_sclerosis');
	await page.getByLabel('Enrolment date').fill('2025-01-06');
	await page.getByRole('button', { name: 'Register patient' }).click();
	await expect(page.getByRole('heading', { name: /Keyboard Patient/ })).toBeVisible();
	const patientUrl = page.url();

	await page.getByRole('link', { name: 'Record a visit' }).click();
	await expect(page.getByRole('heading', { name: 'Record a visit' })).toBeVisible();

	await startBaselineVisit(page);

	const fss = page.locator('fieldset[data-instrument="fss9"]');
	await fss.locator('input').first().focus();
	await typeAcross(page, [4, 5, 9, 4, 6, 5, 4, 5, 6]);
	// The out-of-range item is marked at the item while typing.
	await expect(fss.locator('.item.invalid')).toHaveCount(1);
	await expect(fss.locator('.item.invalid input')).toHaveValue('9');

	const nrs = page.locator('fieldset[data-instrument="pain_nrs"]');
	await nrs.locator('input').first().focus();
	await page.keyboard.type('6');
	const rand = page.locator('fieldset[data-instrument="rand36"]');
	await rand.locator('input').first().focus();
	await typeAcross(page, RAND36);

	// Enter saves; the server refuses and nothing is stored; what was typed stays.
	await page.keyboard.press('Enter');
	await expect(page.getByText('Some answers need correcting; nothing was saved.')).toBeVisible();
	await expect(fss.locator('.item.invalid')).toHaveCount(1);
	await expect(nrs.locator('input').first()).toHaveValue('6');
	await page.goto(patientUrl);
	await expect(page.getByText('No visits yet.')).toBeVisible();
	await page.getByRole('link', { name: 'Record a visit' }).click();

	await startBaselineVisit(page);
	await fss.locator('input').first().focus();
	await typeAcross(page, [4, 5, 3, 4, 6, 5, 4, 5, 6]);
	// Live score as typed: mean of 42 / 9.
	await expect(fss.locator('.live-score')).toContainText('4.67');
	await nrs.locator('input').first().focus();
	await page.keyboard.type('6');
	await rand.locator('input').first().focus();
	await typeAcross(page, RAND36);
	await page.keyboard.press('Enter');

	await expect(page).toHaveURL(patientUrl);
	const row = page.locator('table.visits tbody tr').first();
	await expect(row.locator('[data-instrument="fss9"]')).toContainText('4.67');
	await expect(row.locator('[data-instrument="fss9"]')).toContainText('42');
	await expect(row.locator('[data-instrument="pain_nrs"]')).toContainText('6');
	await expect(row.locator('[data-instrument="rand36"]')).toBeVisible();

	// Correct the pain answer with a reason: history shows old and new.
	await row.getByRole('link', { name: 'Open' }).click();
	const pain = page.locator('section.response[data-instrument="pain_nrs"]');
	await pain.getByRole('button', { name: 'Correct answers' }).click();
	await pain.locator('fieldset input').first().fill('3');
	await pain.getByRole('button', { name: 'Save answers' }).click();
	await expect(pain.getByText('Give a reason for the change.')).toBeVisible();
	await pain.getByLabel('Reason for the change').fill('transcribed from the wrong line');
	await pain.getByRole('button', { name: 'Save answers' }).click();
	await expect(page.getByText('Saved.')).toBeVisible();
	// The correction form closes once saved.
	await expect(pain.getByRole('button', { name: 'Save answers' })).toHaveCount(0);
	await expect(pain.getByRole('button', { name: 'Correct answers' })).toBeVisible();

	await page.goto(patientUrl);
	const history = page.locator('section.history');
	const edit = history.locator('tr', { hasText: 'transcribed from the wrong line' });
	await expect(edit).toContainText('Changed Pain NRS');
	await expect(edit.locator('del', { hasText: 'item pain: 6' })).toHaveCount(1);
	await expect(edit.locator('ins', { hasText: 'item pain: 3' })).toHaveCount(1);
	await expect(edit.locator('del', { hasText: /^Pain 6$/ })).toHaveCount(1);
	await expect(edit.locator('ins', { hasText: /^Pain 3$/ })).toHaveCount(1);
});

test('a name holding a bidi control is refused at the field, with what was typed kept and nothing stored', async ({ makeUser, signedIn, database }) => {
	const page = await signedIn(await makeUser('clinician'));
	const ref = `BIDI-${Date.now()}`;
	const spoofed = '\u202egnp.exe Admín'; // shows as "nímdA exe.png"
	await page.goto('/patients/new');
	await page.getByLabel('Clinic reference').fill(ref);
	await page.getByLabel('Name').fill(spoofed);
	await page.getByLabel('Date of birth').fill('1975-03-02');
	await page.getByLabel('Sex').selectOption('female');
	await page.getByLabel('Condition').selectOption('multiple_sclerosis');
	await page.getByLabel('Enrolment date').fill('2025-01-06');
	await page.getByRole('button', { name: 'Register patient' }).click();
	const name = page.getByLabel('Name');
	await expect(name).toHaveAccessibleDescription(/invisible character \(U\+202E\)/);
	await expect(name).toHaveValue(spoofed);
	await expect(page.getByLabel('Clinic reference')).toHaveValue(ref);
	const stored = await executeRows(database.db, sql`select count(*)::int as n from patients where clinic_ref = ${ref}`);
	expect(stored[0]!.n).toBe(0);

	await name.fill('gnp.exe Admín');
	await page.getByRole('button', { name: 'Register patient' }).click();
	await expect(page.getByRole('heading', { name: /gnp\.exe Admín/ })).toBeVisible();
});
