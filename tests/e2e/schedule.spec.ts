/**
 * Follow-up schedule end to end: an admin sets a condition's schedule; a clinician sees the newly
 * enrolled patient due, clicks through to the new-visit form pre-filled with the due instrument,
 * saves, and the patient is no longer due; the patient page's matrix shows the baseline done;
 * the per-condition matrix shows the share to a clinician and hides the cell (n < k) from a
 * researcher, with no names or dates. "Self-report" on a due row: today's visit made once (a
 * double submit too), its self-report page with the due forms that have wording ticked.
 */
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { and, eq, sql } from 'drizzle-orm';
import { visits } from '../../src/lib/server/db/schema';
import { createPatient, setPatientArchived } from '../../src/lib/server/patients';
import { saveSchedule } from '../../src/lib/server/schedule';
import { today } from '../../src/lib/validation/clinical';
import { expect, test } from './fixtures';

// The states with data that a11y.spec.ts cannot reach without a schedule of its own.
async function expectNoAxeViolations(page: Page) {
	const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
	expect(result.violations.map((v) => `${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`)).toEqual([]);
}

test('an admin sets a schedule; the due patient is entered in one click and leaves the list; completion shows', async ({ database, makeUser, signedIn }) => {
	test.slow();
	const admin = await makeUser('admin');
	const clinician = await makeUser('clinician');
	const researcher = await makeUser('researcher');
	// A condition of this test's own, so other specs' patients never show in its lists.
	const tag = Date.now().toString(36);
	const code = `sched_${tag}`;
	const label = `Scheduled condition ${tag}`;
	await database.db.execute(sql`insert into conditions (code, label) values (${code}, ${label})`);

	// The admin sets: baseline Pain NRS; week 4 Pain NRS; every 12 weeks after; ± 1 week.
	const adminPage = await signedIn(admin);
	await adminPage.goto('/admin/schedules');
	await adminPage.getByRole('link', { name: `Edit the schedule of ${label}` }).click();
	await adminPage.getByLabel('Window (± weeks)').fill('1');
	const first = adminPage.getByRole('group', { name: 'Time point 1' });
	await first.getByLabel('Week after baseline').fill('0');
	await first.getByLabel('Pain NRS', { exact: true }).check();
	const second = adminPage.getByRole('group', { name: 'Time point 2' });
	await second.getByLabel('Week after baseline').fill('1');
	await second.getByLabel('Pain NRS', { exact: true }).check();
	await adminPage.getByLabel('Then repeat the last time point every (weeks)').fill('12');
	await adminPage.getByRole('button', { name: 'Save schedule' }).click();
	// Week 1 is too close to week 0 for a ± 1 week window: refused at the row, typed values kept.
	await expect(adminPage.getByRole('alert').filter({ hasText: 'their windows would overlap' })).toBeVisible();
	await expect(second.getByLabel('Week after baseline')).toHaveValue('1');
	await expectNoAxeViolations(adminPage);
	await second.getByLabel('Week after baseline').fill('4');
	await adminPage.getByRole('button', { name: 'Save schedule' }).click();
	await expect(adminPage).toHaveURL(/\/admin\/schedules$/);
	await expect(adminPage.getByRole('row', { name: new RegExp(label) })).toContainText('Baseline: Pain NRS; Week 4: Pain NRS; then every 12 weeks (± 1 week)');

	// A patient enrolled today is due for the baseline.
	const name = `Due Patient ${tag}`;
	const p = await createPatient(database.db, { id: clinician.id }, { clinicRef: `DUE-${tag}`, name, dateOfBirth: '1970-01-01', sex: 'female', conditionCode: code, enrolledOn: today() });
	if (!p.ok) throw new Error(p.message);
	const page = await signedIn(clinician);
	await page.goto(`/due?condition=${code}`);
	const row = page.getByRole('row', { name: new RegExp(name) });
	await expect(row).toContainText('Baseline');
	await expect(row).toContainText('Due today');
	await expect(row).toContainText('Pain NRS');
	await expectNoAxeViolations(page);
	await row.getByRole('link', { name: `Enter now for ${name}` }).click();

	// The new-visit form arrives with Pain NRS added and the kind set to baseline.
	await expect(page.getByRole('heading', { name: 'Record a visit' })).toBeVisible();
	const nrs = page.locator('fieldset[data-instrument="pain_nrs"]');
	await expect(nrs).toBeVisible();
	await expect(page.locator('fieldset[data-instrument]')).toHaveCount(1);
	await expect(page.getByLabel('Kind of visit')).toHaveValue('baseline');
	await page.getByLabel('Acupuncture sessions since the previous visit').fill('0');
	await nrs.locator('input').first().fill('6');
	await page.getByRole('button', { name: 'Save visit' }).click();
	await expect(page).toHaveURL(new RegExp(`/patients/${p.value}$`));

	// The patient page's matrix: baseline done, week 4 not yet.
	await page.getByText(/^Follow-up schedule: 1 done, 0 missed, 0 due/).click();
	const matrix = page.locator('details.follow-up table');
	await expect(matrix.getByRole('row', { name: /Baseline/ })).toContainText(`Done (${today()})`);
	await expect(matrix.getByRole('row', { name: /Week 4/ })).toContainText('Not yet');
	await expectNoAxeViolations(page);

	// No longer due.
	await page.goto(`/due?condition=${code}`);
	await expect(page.getByRole('status').filter({ hasText: 'Nobody is due today or in the coming week.' })).toBeVisible();

	// Completion: the clinician sees 1 of 1; the researcher sees the cell hidden and no name or date.
	await page.goto(`/completion?condition=${code}`);
	await expect(page.getByRole('row', { name: /Baseline/ })).toContainText('1 / 1 (100 %)');
	const research = await signedIn(researcher);
	await research.goto(`/completion?condition=${code}`);
	await expect(research.getByRole('row', { name: /Baseline/ })).toContainText('n < 5');
	await expectNoAxeViolations(research);
	await expect(research.locator('main')).not.toContainText(name);
	await expect(research.locator('main')).not.toContainText(today());
	// Researchers have no due list.
	expect((await research.goto('/due'))?.status()).toBe(403);
});

test('from the due list, one click starts self-report: today’s visit made once, the due forms with wording ticked, the others named', async ({ database, makeUser, signedIn, baseURL }) => {
	const admin = await makeUser('admin');
	const clinician = await makeUser('clinician');
	const tag = Date.now().toString(36);
	const code = `sched_sr_${tag}`;
	await database.db.execute(sql`insert into conditions (code, label) values (${code}, ${`Self-report schedule ${tag}`})`);
	// Baseline: Pain NRS and WHO-5 (their test wording is loaded) and FSS-9 (none loaded).
	const saved = await saveSchedule(database.db, admin, code, 0, { windowWeeks: 1, repeatEveryWeeks: null, points: [{ week: 0, instruments: ['pain_nrs', 'who5', 'fss9'] }] });
	if (!saved.ok) throw new Error(saved.message);
	const name = `Self Report Due ${tag}`;
	const p = await createPatient(database.db, { id: clinician.id }, { clinicRef: `SRD-${tag}`, name, dateOfBirth: '1970-01-01', sex: 'female', conditionCode: code, enrolledOn: today() });
	if (!p.ok) throw new Error(p.message);
	const liveVisits = () => database.db.select({ id: visits.id, date: visits.visitDate, kind: visits.kind }).from(visits).where(and(eq(visits.patientId, p.value), eq(visits.voided, false)));

	const page = await signedIn(clinician);
	await page.goto(`/due?condition=${code}`);
	await page.getByRole('row', { name: new RegExp(name) }).getByRole('button', { name: `Self-report for ${name}` }).click();
	await expect(page).toHaveURL(new RegExp(`/patients/${p.value}/visits/[0-9a-f-]{36}/self-report\\?instruments=pain_nrs,who5,fss9$`));
	const visitId = /visits\/([0-9a-f-]{36})\//.exec(page.url())![1]!;
	expect(await liveVisits()).toEqual([{ id: visitId, date: today(), kind: 'baseline' }]);
	await expect(page.getByLabel('Pain NRS')).toBeChecked();
	await expect(page.getByLabel('WHO-5')).toBeChecked();
	await expect(page.getByRole('note')).toContainText('Due at this time point but not available for self-report');
	await expect(page.getByRole('note')).toContainText('FSS-9: no item wording loaded');
	await expectNoAxeViolations(page);

	// Again from the patient page's matrix: the same visit.
	await page.goto(`/patients/${p.value}`);
	await page.getByText(/^Follow-up schedule:/).click();
	await page.locator('details.follow-up').getByRole('button', { name: 'Self-report' }).click();
	await expect(page).toHaveURL(new RegExp(`/visits/${visitId}/self-report\\?instruments=pain_nrs,who5,fss9$`));
	expect(await liveVisits()).toHaveLength(1);

	// A double submit for another due patient (two posts at once, before any visit): one visit, both land on it.
	const q = await createPatient(database.db, { id: clinician.id }, { clinicRef: `SRE-${tag}`, name: `Self Report Twice ${tag}`, dateOfBirth: '1970-01-01', sex: 'male', conditionCode: code, enrolledOn: today() });
	if (!q.ok) throw new Error(q.message);
	const post = () => page.request.post(`/patients/${q.value}?/selfReport`, { headers: { origin: new URL(baseURL!).origin, accept: 'text/html' }, form: { week: '0', instruments: 'pain_nrs' }, maxRedirects: 0 });
	const twice = await Promise.all([post(), post()]);
	expect(twice.map((r) => r.status())).toEqual([303, 303]);
	const [made] = await database.db.select({ id: visits.id }).from(visits).where(eq(visits.patientId, q.value));
	expect(await database.db.select({ id: visits.id }).from(visits).where(eq(visits.patientId, q.value))).toHaveLength(1);
	expect(twice.map((r) => r.headers()['location'])).toEqual(Array(2).fill(`/patients/${q.value}/visits/${made!.id}/self-report?instruments=pain_nrs`));

	// An archived patient: refused, nothing recorded; the patient page says why.
	const archived = await createPatient(database.db, { id: clinician.id }, { clinicRef: `SRA-${tag}`, name: `Self Report Archived ${tag}`, dateOfBirth: '1970-01-01', sex: 'male', conditionCode: code, enrolledOn: today() });
	if (!archived.ok) throw new Error(archived.message);
	const done = await setPatientArchived(database.db, { id: clinician.id }, archived.value, 1, true, 'Moved away');
	if (!done.ok) throw new Error(done.message);
	const refused = await page.request.post(`/patients/${archived.value}?/selfReport`, { headers: { origin: new URL(baseURL!).origin, accept: 'text/html' }, form: { week: '0', instruments: 'pain_nrs' }, maxRedirects: 0 });
	expect(refused.status()).toBe(400);
	expect(await refused.text()).toContain('This patient is archived; restore them first.');
	expect(await database.db.select({ id: visits.id }).from(visits).where(eq(visits.patientId, archived.value))).toEqual([]);

	// The tablet hand-over from there takes the ticked forms.
	await page.getByRole('button', { name: 'Hand this device to the patient' }).click();
	await expect(page).toHaveURL(/\/kiosk$/);
	await expect(page.getByText('Question 1 of 6')).toBeVisible();
});
