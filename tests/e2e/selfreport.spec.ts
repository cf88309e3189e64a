// Patient self-report end to end: the tablet hand-over (touch, on a 360-pixel-wide phone), leaving
// patient mode only with the clinician's password, review with a correction and acceptance; a
// one-time link answered by keyboard in a fresh browser at 200% zoom that refuses a second use;
// neither screen scrolls sideways; the API.
import type { Page } from '@playwright/test';
import { eq } from 'drizzle-orm';
import { createApiToken } from '../../src/lib/server/auth/tokens';
import { responses } from '../../src/lib/server/db/schema';
import { createPatient } from '../../src/lib/server/patients';
import { recordVisit } from '../../src/lib/server/visits';
import type { Database } from '../../src/lib/server/db';
import { expect, expectNoHorizontalOverflow, PASSWORD, test, waitsForHydration, ZOOM_200 } from './fixtures';

async function newVisit(database: Database, actor: { id: string }, tag: string) {
	const p = await createPatient(database.db, actor, { clinicRef: `SR-${tag}`, name: `Private Name ${tag}`, dateOfBirth: '1971-03-04', sex: 'female', conditionCode: 'sle', enrolledOn: '2025-01-01' });
	if (!p.ok) throw new Error(p.message);
	const v = await recordVisit(database.db, actor, p.value, { visitDate: '2025-02-03', kind: 'treatment', acupunctureSessions: 1, flare: 'no', note: null }, []);
	if (!v.ok) throw new Error(v.message);
	return { patientId: p.value, visitId: v.value };
}

/** Answers the current question by touching (tapping) a choice, then moves on. */
async function tapAnswer(page: Page, value: string) {
	await page.locator('fieldset.question:visible').getByText(value, { exact: true }).tap();
	await page.getByRole('button', { name: 'Next' }).tap();
}

/** Answers the current question with the keyboard only: Tab to the choices, arrows, Tab to Next, Enter. */
async function keyAnswer(page: Page, arrows: number) {
	const first = page.locator('fieldset.question:visible input[type="radio"]').first();
	await first.focus();
	await page.keyboard.press('Space');
	for (let i = 0; i < arrows; i++) await page.keyboard.press('ArrowRight');
	await page.keyboard.press('Tab'); // Back (disabled on the first question, then skipped)
	const focused = await page.evaluate(() => document.activeElement?.textContent);
	if (focused === 'Back') await page.keyboard.press('Tab');
	await page.keyboard.press('Enter');
}

test.use({ hasTouch: true });

test('tablet: the patient answers two forms by touch on a small screen, cannot leave without the password, the clinician corrects and accepts', async ({ database, makeUser, signedIn }) => {
	test.setTimeout(90_000);
	const clinician = await makeUser('clinician');
	const tag = `${Date.now()}`;
	const { patientId, visitId } = await newVisit(database, clinician, tag);
	const page = await signedIn(clinician);
	await page.goto(`/patients/${patientId}/visits/${visitId}/self-report`);
	await expect(page.getByText('FSS-9: no item wording loaded', { exact: false })).toBeAttached();
	await page.getByLabel('WHO-5').check();
	await page.getByLabel('Pain NRS').check();
	await page.getByRole('button', { name: 'Hand this device to the patient' }).click();
	await expect(page).toHaveURL(/\/kiosk$/);
	await page.setViewportSize({ width: 360, height: 740 });

	// Patient mode: the clinic's name and the forms; no menu, no name; every other address leads back.
	await expect(page.locator('header .brand')).toHaveText('Test Clinic');
	await expect(page.getByRole('navigation')).toHaveCount(0);
	await expect(page.locator('body')).not.toContainText(`Private Name ${tag}`);
	for (const path of [`/patients/${patientId}`, '/', '/account', '/logout', `/r/abc`]) {
		const response = await page.request.get(path, { maxRedirects: 0 });
		expect(response.status(), path).toBe(303);
		expect(response.headers()['location'], path).toBe('/kiosk');
	}
	expect((await page.request.get('/api/me')).status()).toBe(403);

	// The forms in the app's order: Pain NRS, then WHO-5.
	await expect(page.getByText('Question 1 of 6')).toBeVisible();
	await expect(page.getByText('Test question about pain')).toBeVisible();
	await expectNoHorizontalOverflow(page, 360, 'first question');
	await tapAnswer(page, '6');
	for (const value of ['3', '4', '2', '5', '1']) await tapAnswer(page, value);
	await expect(page.getByRole('heading', { name: 'Check your answers' })).toBeVisible();
	await expectNoHorizontalOverflow(page, 360, 'review screen');
	// Back from the review, and a changed mind.
	await page.getByRole('button', { name: 'Change WHO-5 question 3' }).tap();
	await expect(page.getByText('Question 4 of 6')).toBeVisible();
	await expect(page.getByText('Test statement three')).toBeVisible();
	await tapAnswer(page, '3');
	await page.getByRole('button', { name: 'Next' }).tap();
	await page.getByRole('button', { name: 'Next' }).tap();
	await expect(page.getByText('Question 3: 3')).toBeVisible();
	await page.getByRole('button', { name: 'Send my answers' }).tap();
	await expect(page.getByText('Please hand the device back to your clinician')).toBeVisible();
	await expectNoHorizontalOverflow(page, 360, 'thank-you screen');
	expect(await database.db.select().from(responses).where(eq(responses.visitId, visitId))).toHaveLength(0);

	// Leaving patient mode: a wrong password keeps it.
	await page.getByLabel('Clinician’s password to end patient mode').fill('not the password at all');
	await page.getByRole('button', { name: 'End patient mode' }).click();
	await expect(page.getByText('That is not the password')).toBeVisible();
	expect((await page.request.get('/patients', { maxRedirects: 0 })).headers()['location']).toBe('/kiosk');
	await page.getByLabel('Clinician’s password to end patient mode').fill(PASSWORD);
	await page.getByRole('button', { name: 'End patient mode' }).click();
	await expect(page).toHaveURL(new RegExp(`/patients/${patientId}/visits/${visitId}/self-report$`));
	await page.setViewportSize({ width: 1280, height: 800 });

	// Review: the scores as answered; one answer corrected needs a reason.
	const review = page.locator('section.review');
	await expect(review.getByText('Answered on the tablet')).toBeVisible();
	await expect(review.locator('.scores').first()).toContainText('6');
	await review.locator('[name="i:who5:5"]').fill('2');
	await review.getByRole('button', { name: 'Accept answers' }).click();
	await expect(page.getByText('Give a reason for the corrected answers.')).toBeVisible();
	await page.locator('section.review').getByLabel('Reason for any corrected answer').fill('Patient meant 2 for the last statement');
	await page.locator('section.review').getByRole('button', { name: 'Accept answers' }).click();
	await expect(page).toHaveURL(new RegExp(`/patients/${patientId}/visits/${visitId}\\?saved=self-report$`));
	await expect(page.locator('section.response[data-instrument="who5"]')).toContainText('Answered by the patient on the clinic’s tablet');
	const stored = await database.db.select().from(responses).where(eq(responses.visitId, visitId));
	expect(stored.map((r) => [r.instrumentId, r.source, r.answers]).sort()).toEqual([
		['pain_nrs', 'patient_tablet', { pain: 6 }],
		['who5', 'patient_tablet', { '1': 3, '2': 4, '3': 3, '4': 5, '5': 2 }]
	]);
});

test('link: created on the visit, answered by keyboard in a fresh browser, then refused; unknown links read the same', async ({ database, makeUser, signedIn, browser, baseURL }) => {
	test.setTimeout(90_000);
	const clinician = await makeUser('clinician');
	const tag = `${Date.now()}`;
	const { patientId, visitId } = await newVisit(database, clinician, tag);
	const page = await signedIn(clinician);
	await page.goto(`/patients/${patientId}/visits/${visitId}/self-report`);
	await page.getByLabel('Pain NRS').check();
	await page.getByLabel('Link valid for (hours)').fill('24');
	await page.getByRole('button', { name: 'Create one-time link' }).click();
	const url = (await page.getByTestId('self-report-url').textContent())!.trim();
	expect(url).toMatch(/\/r\/[a-z2-7]{32}$/);
	await expect(page.getByRole('img', { name: 'QR code of the link' }).locator('svg')).toBeVisible();

	const context = await browser.newContext({ baseURL, ...ZOOM_200 });
	const patient = waitsForHydration(await context.newPage());
	await patient.goto(url);
	await expectNoHorizontalOverflow(patient, ZOOM_200.viewport.width, 'question at 200% zoom');
	await expect(patient.getByRole('button', { name: 'Next' })).toBeVisible();
	await expect(patient.locator('header .brand')).toHaveText('Test Clinic');
	await expect(patient.locator('body')).not.toContainText(`Private Name ${tag}`);
	await expect(patient.locator('body')).not.toContainText('1971');
	await expect(patient.getByText('Test question about pain')).toBeVisible();
	// Next without an answer, then send: the review names the missing answer; the server refuses it.
	await patient.getByRole('button', { name: 'Next' }).press('Enter');
	await expect(patient.getByText('Question 1: not answered')).toBeVisible();
	await patient.getByRole('button', { name: 'Send my answers' }).press('Enter');
	await expect(patient.locator('section.review')).toContainText('Question 1 still needs an answer.');
	await expectNoHorizontalOverflow(patient, ZOOM_200.viewport.width, 'refused review at 200% zoom');
	await patient.getByRole('button', { name: /^Change/ }).press('Enter');
	await keyAnswer(patient, 4);
	await expect(patient.getByText('Question 1: 4')).toBeVisible();
	await patient.getByRole('button', { name: 'Send my answers' }).press('Enter');
	await expect(patient).toHaveURL(/\/r\/thanks$/);
	await expectNoHorizontalOverflow(patient, ZOOM_200.viewport.width, 'thanks at 200% zoom');

	// Single use: the same words for a used link as for one that never existed.
	await patient.goto(url);
	const used = await patient.locator('main').textContent();
	await expect(patient.getByRole('heading', { name: 'This link cannot be used' })).toBeVisible();
	await expectNoHorizontalOverflow(patient, ZOOM_200.viewport.width, 'unusable link at 200% zoom');
	await patient.goto('/r/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa');
	expect(await patient.locator('main').textContent()).toBe(used);
	await context.close();

	await page.goto(`/patients/${patientId}/visits/${visitId}/self-report`);
	await expect(page.locator('section.review')).toContainText('Answered by link');
	await page.locator('section.review').getByRole('button', { name: 'Accept answers' }).click();
	await expect(page.locator('section.response[data-instrument="pain_nrs"]')).toContainText('through a one-time link');
});

test('a PIN the clinician set on their account ends patient mode instead of the password', async ({ database, makeUser, signedIn }) => {
	const clinician = await makeUser('clinician');
	const { patientId, visitId } = await newVisit(database, clinician, `${Date.now()}`);
	const page = await signedIn(clinician);
	await page.goto('/account');
	await page.getByLabel('New PIN (6 to 8 digits)').fill('123456');
	await page.getByLabel('Your password (to set or remove the PIN)').fill(PASSWORD);
	await page.getByRole('button', { name: 'Set PIN' }).click();
	await expect(page.getByText('Not one digit repeated or a run of digits')).toBeVisible();
	await page.getByLabel('New PIN (6 to 8 digits)').fill('482915');
	await page.getByLabel('Your password (to set or remove the PIN)').fill(PASSWORD);
	await page.getByRole('button', { name: 'Set PIN' }).click();
	await expect(page.getByText('PIN set.')).toBeVisible();

	await page.goto(`/patients/${patientId}/visits/${visitId}/self-report`);
	await page.getByLabel('Pain NRS').check();
	await page.getByRole('button', { name: 'Hand this device to the patient' }).click();
	await expect(page).toHaveURL(/\/kiosk$/);
	await page.getByRole('button', { name: 'Clinician: end patient mode' }).click();
	await page.getByLabel('Clinician’s password or PIN to end patient mode').fill('482916');
	await page.getByRole('button', { name: 'End patient mode' }).click();
	await expect(page.getByText('That is not the password or PIN')).toBeVisible();
	expect((await page.request.get('/patients', { maxRedirects: 0 })).headers()['location']).toBe('/kiosk');
	await page.getByLabel('Clinician’s password or PIN to end patient mode').fill('482915');
	await page.getByRole('button', { name: 'End patient mode' }).click();
	await expect(page).toHaveURL(new RegExp(`/patients/${patientId}/visits/${visitId}/self-report$`));
});

test('API: a clinician’s token creates a link and revokes it; a researcher’s cannot', async ({ database, makeUser, playwright, baseURL }) => {
	const clinician = await makeUser('clinician');
	const researcher = await makeUser('researcher');
	const { visitId } = await newVisit(database, clinician, `${Date.now()}`);
	const { token } = await createApiToken(database.db, clinician, 'sms service');
	const { token: theirs } = await createApiToken(database.db, researcher, 'reader');
	const api = await playwright.request.newContext({ baseURL: baseURL! });
	const auth = (t: string) => ({ Authorization: `Bearer ${t}` });

	expect((await api.post(`/api/visits/${visitId}/self-report`, { headers: auth(theirs), data: { instruments: ['who5'] } })).status()).toBe(403);
	expect((await api.post(`/api/visits/${visitId}/self-report`, { data: { instruments: ['who5'] } })).status()).toBe(401);
	expect((await api.post(`/api/visits/${visitId}/self-report`, { headers: auth(token), data: { instruments: ['fss9'] } })).status()).toBe(400);
	expect((await api.post(`/api/visits/${visitId}/self-report`, { headers: auth(token), data: { instruments: ['who5'], hours: 0 } })).status()).toBe(400);

	const created = await api.post(`/api/visits/${visitId}/self-report`, { headers: auth(token), data: { instruments: ['who5'], hours: 6 } });
	expect(created.status()).toBe(201);
	const body = (await created.json()) as { id: string; url: string; expires_at: string };
	expect(body.url).toMatch(/\/r\/[a-z2-7]{32}$/);
	const hours = (Date.parse(body.expires_at) - Date.now()) / 3_600_000;
	expect(hours).toBeGreaterThan(5.9);
	expect(hours).toBeLessThanOrEqual(6);
	const open = await api.get(new URL(body.url).pathname);
	expect(await open.text()).toContain('Test statement one');

	expect((await api.delete(`/api/self-report/${body.id}`, { headers: auth(theirs) })).status()).toBe(403);
	const revoked = await api.delete(`/api/self-report/${body.id}`, { headers: auth(token) });
	expect(revoked.status()).toBe(200);
	expect(await revoked.json()).toEqual({ revoked: true });
	expect(await (await api.get(new URL(body.url).pathname)).text()).toContain('This link cannot be used');
	expect((await api.delete('/api/self-report/00000000-0000-4000-8000-000000000000', { headers: auth(token) })).status()).toBe(404);
	await api.dispose();
});
