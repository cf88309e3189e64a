/**
 * axe-core (WCAG 2.0/2.1/2.2 A and AA rules) on every page each role can open, with data on it,
 * and on the states a user meets after a refused form. 0 violations is the bar. Patient pages are
 * checked on a 360-pixel-wide phone and at 200% zoom (fixtures.ts says how), where they must not
 * scroll sideways either.
 */
import fs from 'node:fs';
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { createPatient } from '../../src/lib/server/patients';
import { patientVisits, recordVisit } from '../../src/lib/server/visits';
import { getImport, saveMapping, uploadImport } from '../../src/lib/server/import';
import { recordAdverseEvent, recordFlare } from '../../src/lib/server/safety';
import { createSelfReport, openLink, setWording, submitSelfReport } from '../../src/lib/server/selfreport';
import { expect, PHONE, test, ZOOM_200 } from './fixtures';

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/** The violations on the page as it stands: rule, impact and the first few elements. */
async function violations(page: Page): Promise<string[]> {
	const result = await new AxeBuilder({ page }).withTags(TAGS).analyze();
	return result.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
}

/** Sideways scrolling on the page as it stands, as a finding (WCAG 1.4.10 reflow). */
async function overflow(page: Page, width: number): Promise<string[]> {
	const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
	return scrollWidth > width ? [`scrolls sideways: ${scrollWidth} px wide at a ${width}-pixel viewport`] : [];
}

/** axe and overflow on a patient page at the given width. */
async function checkPatientScreen(page: Page, label: string, width: number, found: Record<string, string[]>) {
	const v = [...(await violations(page)), ...(await overflow(page, width))];
	if (v.length) found[label] = v;
}

async function check(page: Page, path: string, found: Record<string, string[]>) {
	const response = await page.goto(path);
	expect(response?.status(), path).toBeLessThan(400);
	const v = await violations(page);
	if (v.length) {
		found[path] = v;
		console.log(`axe: ${path}: ${v.join('; ')}`);
	}
}

test('every page a clinician opens passes axe-core, with data on it', async ({ database, makeUser, signedIn }) => {
	// About 20 pages, each analysed in 2–4 s on a quiet 2-core machine and three times that on a busy one.
	test.setTimeout(360_000);
	const clinician = await makeUser('clinician');
	const actor = { id: clinician.id };
	const tag = `${Date.now()}`;
	const patients: string[] = [];
	for (let i = 0; i < 6; i++) {
		const p = await createPatient(database.db, actor, { clinicRef: `AX-${tag}-${i}`, name: `Axe Patient ${i}`, dateOfBirth: '1970-01-01', sex: 'female', conditionCode: 'crohns', enrolledOn: '2025-01-01' });
		if (!p.ok) throw new Error(p.message);
		patients.push(p.value);
		for (const [date, pain] of [['2025-01-06', 7], ['2025-02-03', 5 - (i % 3)]] as const) {
			const fss = Object.fromEntries(Array.from({ length: 9 }, (_, k) => [String(k + 1), pain > 5 ? 5 : 3]));
			const v = await recordVisit(database.db, actor, p.value, { visitDate: date, kind: date === '2025-01-06' ? 'baseline' : 'treatment', acupunctureSessions: 1, flare: i === 0 ? 'yes' : 'no', note: null }, [
				{ instrumentId: 'pain_nrs', answers: { pain } },
				{ instrumentId: 'fss9', answers: fss }
			]);
			if (!v.ok) throw new Error(v.message);
		}
	}
	const visitId = (await patientVisits(database.db, patients[0]!))[0]!.id;
	const serious = await recordAdverseEvent(database.db, actor, patients[0]!, { onsetOn: '2025-01-08', visitId, categoryCode: 'dizziness_fainting', categoryDetail: null, severity: 'severe', serious: true, seriousCriteria: ['hospitalisation'], relatedness: 'possible', actionTaken: 'medical_care', outcome: 'recovered', resolvedOn: '2025-01-09', note: null });
	if (!serious.ok) throw new Error(serious.message);
	const flare = await recordFlare(database.db, actor, patients[0]!, { onsetOn: '2025-01-20', endedOn: '2025-01-25', severity: 'moderate', triggers: ['stress', 'sleep'], treatmentChanged: true, note: null });
	if (!flare.ok) throw new Error(flare.message);
	const upload = await uploadImport(database.db, actor, 'axe.csv', (async function* () {
		yield new TextEncoder().encode(`clinic_ref,name,date_of_birth,sex,condition,visit_date,visit_kind,acupuncture_sessions,pain_nrs__pain\nAX-${tag}-new,New One,1970-02-02,male,crohns,2025-03-01,baseline,0,4\n`);
	})());
	if (!upload.ok) throw new Error(upload.message);
	await saveMapping(database.db, actor, upload.id, (await getImport(database.db, upload.id))!.mapping!, 'iso');

	const found: Record<string, string[]> = {};
	const asClinician = await signedIn(clinician);
	for (const path of [
		'/',
		'/account',
		'/account/mfa',
		'/patients',
		'/patients/new',
		`/patients/${patients[0]}`,
		`/patients/${patients[0]}/edit`,
		`/patients/${patients[0]}/visits/new`,
		`/patients/${patients[0]}/visits/${visitId}`,
		`/patients/${patients[0]}/adverse-events/new`,
		`/patients/${patients[0]}/adverse-events/${serious.value}`,
		`/patients/${patients[0]}/flares/new`,
		`/patients/${patients[0]}/flares/${flare.value}`,
		'/safety',
		'/safety?conditions=crohns',
		'/due',
		'/completion',
		'/patients/import',
		`/patients/import/${upload.id}`,
		'/cohort?instrument=fss9&scale=mean&conditions=crohns',
		'/cohort?instrument=pain_nrs&scale=score&measure=change&axis=week&conditions=crohns',
		'/export'
	]) {
		await check(asClinician, path, found);
	}
	// States after refused input: a visit form with errors at its fields and items.
	await asClinician.goto(`/patients/${patients[0]}/visits/new`);
	await asClinician.getByLabel('Visit date').fill('2025-01-06');
	await asClinician.getByLabel('Kind of visit').selectOption('treatment');
	await asClinician.getByLabel('Acupuncture sessions since the previous visit').fill('x');
	await asClinician.getByRole('button', { name: 'Add FSS-9', exact: true }).click();
	await asClinician.locator('fieldset[data-instrument="fss9"] input').first().fill('9');
	await asClinician.getByRole('button', { name: 'Save visit' }).click();
	await expect(asClinician.locator('#field-acupunctureSessions-error')).toBeVisible();
	const refused = await violations(asClinician);
	if (refused.length) found['visit form after a refused save'] = refused;
	// An adverse event form refused: serious without a criterion, no onset.
	await asClinician.goto(`/patients/${patients[0]}/adverse-events/new`);
	await asClinician.getByLabel('Serious', { exact: true }).selectOption('yes');
	await asClinician.getByRole('button', { name: 'Save adverse event' }).click();
	await expect(asClinician.locator('#field-seriousCriteria-error')).toBeVisible();
	const refusedAe = await violations(asClinician);
	if (refusedAe.length) found['adverse event form after a refused save'] = refusedAe;

	expect(found).toEqual({});
});

test('the sign-in page, and every page a researcher or an admin opens, pass axe-core', async ({ makeUser, signedIn, page }) => {
	test.setTimeout(180_000);
	const found: Record<string, string[]> = {};
	await check(page, '/login', found);
	const clinician = await makeUser('clinician');
	const asResearcher = await signedIn(await makeUser('researcher'));
	// With a period refused at its fields (a day-precise one: whole quarters below admin), and a preview of a quarter.
	for (const path of ['/', '/account', '/cohort?instrument=fss9&scale=mean', '/cohort?instrument=fss9&scale=mean&from=2024-01-02&to=2024-08-09', '/export', '/export?instruments=pain_nrs&to=2024-08-09&k=5', '/export?instruments=pain_nrs&from=2024-01-01&k=5', '/safety', '/completion', '/reports', '/reports/new']) await check(asResearcher, path, found);
	const asAdmin = await signedIn(await makeUser('admin'));
	for (const path of ['/', '/admin/users', `/admin/users/${clinician.id}`, '/admin/conditions', '/admin/ae-categories', '/admin/reference-effects', '/admin/instruments', '/admin/schedules', '/admin/schedules/crohns', '/admin/audit', '/admin/audit?entity=import', '/admin/security', '/cohort?instrument=fss9&scale=mean&to=2024-08-09', '/safety']) await check(asAdmin, path, found);
	expect(found).toEqual({});
});

test('the self-report pages pass axe-core: the clinician’s, the patient’s by link and in patient mode, on a phone-sized screen', async ({ database, makeUser, signedIn, browser, baseURL }) => {
	test.setTimeout(180_000);
	setWording(JSON.parse(fs.readFileSync('tests/e2e/self-report-wording.json', 'utf8')));
	const clinician = await makeUser('clinician');
	const actor = { id: clinician.id };
	const p = await createPatient(database.db, actor, { clinicRef: `AXSR-${Date.now()}`, name: 'Axe Self Report', dateOfBirth: '1970-01-01', sex: 'female', conditionCode: 'crohns', enrolledOn: '2025-01-01' });
	if (!p.ok) throw new Error(p.message);
	const v = await recordVisit(database.db, actor, p.value, { visitDate: '2025-01-06', kind: 'baseline', acupunctureSessions: 0, flare: 'no', note: null }, []);
	if (!v.ok) throw new Error(v.message);
	// One link answered (awaiting review), one open.
	const answered = await createSelfReport(database.db, actor, v.value, 'link', ['pain_nrs']);
	const open = await createSelfReport(database.db, actor, v.value, 'link', ['who5']);
	if (!answered.ok || !open.ok) throw new Error('no link');
	await submitSelfReport(database.db, (await openLink(database.db, answered.token!))!, [{ instrumentId: 'pain_nrs', answers: { pain: 4 } }]);

	const found: Record<string, string[]> = {};
	const asClinician = await signedIn(clinician);
	const selfReport = `/patients/${p.value}/visits/${v.value}/self-report`;
	await check(asClinician, `/patients/${p.value}/visits/${v.value}`, found);
	await check(asClinician, selfReport, found);
	// A link just created (text and QR code), and a start refused at its field.
	await asClinician.getByRole('button', { name: 'Create one-time link' }).click();
	await expect(asClinician.locator('#instruments-error')).toBeVisible();
	const refused = await violations(asClinician);
	if (refused.length) found['self-report start refused'] = refused;
	await asClinician.getByLabel('WHO-5').check();
	await asClinician.getByRole('button', { name: 'Create one-time link' }).click();
	await expect(asClinician.getByTestId('self-report-url')).toBeVisible();
	const created = await violations(asClinician);
	if (created.length) found['self-report link created'] = created;

	for (const [size, options] of [['360 px', PHONE], ['200% zoom', ZOOM_200]] as const) {
		const width = options.viewport.width;
		const context = await browser.newContext({ baseURL, ...options });
		const patient = await context.newPage();
		await patient.goto(`/r/${open.token}`);
		await patient.locator('html[data-hydrated]').waitFor({ state: 'attached' });
		await checkPatientScreen(patient, `/r/[token] question, ${size}`, width, found);
		await patient.getByRole('button', { name: 'Next' }).click();
		for (let i = 0; i < 4; i++) await patient.getByRole('button', { name: 'Next' }).click();
		await expect(patient.getByRole('heading', { name: 'Check your answers' })).toBeVisible();
		await checkPatientScreen(patient, `patient review screen, ${size}`, width, found);
		for (const path of ['/r/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', '/r/thanks']) {
			expect((await patient.goto(path))?.status(), path).toBeLessThan(400);
			await checkPatientScreen(patient, `${path}, ${size}`, width, found);
		}
		await context.close();
	}

	// Patient mode on this device, then its thank-you screen with the clinician's exit.
	await asClinician.goto(selfReport);
	await asClinician.getByLabel('WHO-5').check();
	await asClinician.getByRole('button', { name: 'Hand this device to the patient' }).click();
	await expect(asClinician).toHaveURL(/\/kiosk$/);
	// The clinician's own browser: the phone's width, then the 200% zoom's CSS pixels (the device
	// pixel ratio of an open page cannot change; it does not change the layout).
	for (const [size, width, height] of [['360 px', 360, 740], ['200% zoom', 640, 400]] as const) {
		await asClinician.setViewportSize({ width, height });
		await asClinician.goto('/kiosk');
		await checkPatientScreen(asClinician, `/kiosk, ${size}`, width, found);
	}
	await asClinician.setViewportSize({ width: 360, height: 740 });
	await asClinician.getByRole('button', { name: 'Clinician: end patient mode' }).click();
	await asClinician.getByRole('button', { name: 'End patient mode' }).click();
	await expect(asClinician.locator('#exit-error')).toBeVisible();
	await checkPatientScreen(asClinician, '/kiosk exit refused, 360 px', 360, found);
	expect(found).toEqual({});
});

test('the first tab stop skips the navigation to the page’s content', async ({ makeUser, signedIn }) => {
	// A walk-through counted 8 tabs through the navigation to reach the safety filter.
	const page = await signedIn(await makeUser('clinician'));
	await page.goto('/safety');
	await page.keyboard.press('Tab');
	const skip = page.getByRole('link', { name: 'Skip to content' });
	await expect(skip).toBeFocused();
	await expect(skip).toBeInViewport();
	await page.keyboard.press('Enter');
	await expect(page.locator('main#content')).toBeFocused();
	await page.keyboard.press('Tab');
	// The next stop is inside the page's content, not the navigation.
	expect(await page.evaluate(() => Boolean(document.activeElement?.closest('main')))).toBe(true);
});
