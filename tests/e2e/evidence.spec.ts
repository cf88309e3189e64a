/**
 * The evidence report end to end: a researcher writes a plan on the form (a refused save keeps
 * what was typed and says what is wrong at the field), locks it with confirmation, opens the
 * report — flow, tables, a drawn waterfall — prints it to PDF, downloads the CSV, and a second
 * version supersedes the first with a reason, which the report then names.
 */
import AxeBuilder from '@axe-core/playwright';
import type { Locator, Page } from '@playwright/test';
import { addCondition, createPatient } from '../../src/lib/server/patients';
import { recordVisit } from '../../src/lib/server/visits';
import { createApiToken } from '../../src/lib/server/auth/tokens';
import { expect, test } from './fixtures';

/** axe-core (WCAG 2.2 AA) on the page as it stands. */
async function axe(page: Page): Promise<string[]> {
	const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
	return result.violations.map((v) => `${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
}

async function paintedPixels(canvas: Locator): Promise<number> {
	return canvas.evaluate((node: HTMLCanvasElement) => {
		const { data } = node.getContext('2d')!.getImageData(0, 0, node.width, node.height);
		let painted = 0;
		for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) painted++;
		return painted;
	});
}

test('a researcher writes and locks a plan, reads, prints and downloads its report, and supersedes it with a reason', async ({ database, makeUser, signedIn }) => {
	test.setTimeout(120_000);
	const clinician = await makeUser('clinician');
	const actor = { id: clinician.id };
	const tag = `${Date.now()}`;
	const condition = await addCondition(database.db, actor, { code: `ev_${tag}`, label: `Evidence condition ${tag}` });
	if (!condition.ok) throw new Error(condition.message);
	// 15 patients: pain 7 at baseline, 2–6 four weeks later for 10 (5 lost to follow-up: every group holds k).
	for (let i = 0; i < 15; i++) {
		const p = await createPatient(database.db, actor, { clinicRef: `EV-${tag}-${i}`, name: `Evidence ${i}`, dateOfBirth: '1970-01-01', sex: i % 2 ? 'male' : 'female', conditionCode: condition.value, enrolledOn: '2025-01-02' });
		if (!p.ok) throw new Error(p.message);
		const visits: [string, number][] = [['2025-01-06', 7], ...(i < 10 ? ([['2025-02-03', 2 + (i % 5)]] as [string, number][]) : [])];
		for (const [date, pain] of visits) {
			const r = await recordVisit(database.db, actor, p.value, { visitDate: date, kind: 'treatment', acupunctureSessions: 2, flare: 'no', note: null }, [{ instrumentId: 'pain_nrs', answers: { pain } }]);
			if (!r.ok) throw new Error(r.message);
		}
	}

	const page = await signedIn(await makeUser('researcher'));
	await page.goto('/reports');
	await page.getByRole('link', { name: 'Write a new analysis plan' }).click();
	await page.getByLabel('Title').fill(`Pain at week 4 ${tag}`);
	await page.getByLabel(`Evidence condition ${tag}`).check();
	await page.getByLabel('Primary outcome').selectOption('pain_nrs:score');
	await page.getByLabel('Weeks since baseline', { exact: true }).fill('4');
	await page.getByLabel('Window (± weeks)').fill('9');
	await page.getByRole('button', { name: 'Save draft' }).click();
	// Refused at the field, what was typed kept.
	await expect(page.locator('#field-window_weeks-error')).toHaveText('The window must be shorter than the weeks since baseline.');
	await expect(page.getByLabel('Title')).toHaveValue(`Pain at week 4 ${tag}`);
	await expect(page.getByLabel(`Evidence condition ${tag}`)).toBeChecked();
	expect(await axe(page), 'the plan form with an error at a field').toEqual([]);
	await page.getByLabel('Window (± weeks)').fill('1');
	// A period with a minimum number of sessions: refused below admin at the minimum, both kept.
	await page.getByLabel('Enrolled from').selectOption({ index: 1 });
	const from = await page.getByLabel('Enrolled from').inputValue();
	await page.getByLabel(/At least this many treatment sessions/).fill('2');
	await page.getByRole('button', { name: 'Save draft' }).click();
	await expect(page.locator('#field-min_sessions-error')).toContainText('Choose an enrolment period or a minimum number of sessions, not both');
	await expect(page.getByLabel('Enrolled from')).toHaveValue(from);
	await expect(page.getByLabel(/At least this many treatment sessions/)).toHaveValue('2');
	await expect(page.getByLabel('Primary outcome')).toHaveValue('pain_nrs:score');
	await page.getByLabel('Enrolled from').selectOption({ index: 0 });
	await page.getByLabel(/At least this many treatment sessions/).fill('');
	await page.getByRole('button', { name: 'Save draft' }).click();
	await expect(page.getByRole('status').filter({ hasText: 'Draft saved.' })).toBeVisible();

	// Locking asks for confirmation.
	await page.getByRole('button', { name: 'Lock version 1' }).click();
	await expect(page.locator('#field-confirm-error')).toBeVisible();
	await page.getByLabel(/I confirm this plan is final/).check();
	await page.getByRole('button', { name: 'Lock version 1' }).click();
	await expect(page.getByRole('status').filter({ hasText: 'Version 1 locked.' })).toBeVisible();
	const planId = new URL(page.url()).pathname.split('/')[2]!;

	// The report: flow, tables, a drawn waterfall.
	await expect(page.getByRole('heading', { name: 'Patient flow' })).toBeVisible();
	await expect(page.getByRole('heading', { name: 'Baseline: completers against those lost' })).toBeVisible();
	await expect(page.getByRole('heading', { name: 'Results' })).toBeVisible();
	await expect(page.locator('.evidence-report table').first()).toBeVisible();
	const canvas = page.locator('.evidence-report canvas').first();
	await expect(canvas).toBeVisible();
	await expect.poll(() => paintedPixels(canvas), { timeout: 10_000 }).toBeGreaterThan(500);
	await expect(page.locator('.evidence-report .sha').first()).toHaveText(/^[0-9a-f]{64}$/);
	expect(await axe(page), 'the locked plan with its report drawn').toEqual([]);

	// Prints to PDF (A4 print stylesheet).
	const pdf = await page.pdf({ format: 'A4', printBackground: true });
	expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
	expect(pdf.byteLength).toBeGreaterThan(20_000);

	// The CSV of the aggregates, from the server.
	const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: /Download the aggregates as CSV/ }).click()]);
	const csv = await (await download.createReadStream()).toArray();
	const text = Buffer.concat(csv).toString('utf8');
	expect(text.split('\n')[0]).toContain('section,instrument,scale,population');
	expect(text).toContain('primary,pain_nrs,score,completers');

	// The JSON, through the API with the session.
	const api = await page.request.get(`/api/reports/${planId}`);
	expect(api.status()).toBe(200);
	const json = await api.json();
	expect(json.plan).toMatchObject({ id: planId, version: 1 });
	expect(json.flow.with_followup).toBe(10);
	expect(json.primary.completers.n).toBe(10);

	// A second version supersedes the first, with a reason.
	await page.getByRole('link', { name: 'Write a new version of this plan' }).click();
	await page.getByLabel('Weeks since baseline', { exact: true }).fill('6');
	await page.getByLabel('Window (± weeks)').fill('2');
	await page.getByRole('button', { name: 'Save new version' }).click();
	await expect(page.locator('#field-reason-error')).toBeVisible();
	await expect(page.getByLabel('Weeks since baseline', { exact: true })).toHaveValue('6');
	await page.getByLabel('Why the plan changes').fill('Week 6 matches the published trials');
	await page.getByRole('button', { name: 'Save new version' }).click();
	await expect(page.getByRole('status').filter({ hasText: 'Draft saved.' })).toBeVisible();
	const versions = page.getByRole('region', { name: 'Versions' });
	await expect(versions.getByRole('row', { name: /Version 1 superseded/ })).toContainText('Week 6 matches the published trials');
	await expect(versions.getByRole('row', { name: /Version 2 draft/ })).toBeVisible();
	// Until version 2 is locked, the report is version 1's, and says it was superseded.
	await expect(page.getByText('This report is made from version 1, which has been superseded.')).toBeVisible();
	// The new draft is a later version, not an earlier one (a walk-through found it listed as earlier).
	await expect(page.locator('.evidence-report details.versions.later')).toContainText('Version 2, a draft, not yet locked');
	await expect(page.locator('.evidence-report details.versions:not(.later)')).toHaveCount(0);
	expect(await axe(page), 'a draft version beside the superseded report').toEqual([]);
	await page.getByLabel(/I confirm this plan is final/).check();
	await page.getByRole('button', { name: 'Lock version 2' }).click();
	await expect(page.getByRole('status').filter({ hasText: 'Version 2 locked.' })).toBeVisible();
	await expect(page.locator('.evidence-report').getByText(/version 2, locked/)).toBeVisible();
	await expect(page.locator('.evidence-report details.versions')).toContainText('superseded because Week 6 matches the published trials');
	expect((await (await page.request.get(`/api/reports/${planId}`)).json()).plan.version).toBe(2);
});

test('the plan API: 400 naming each bad field, lock, versions with a reason, and the report with an API token', async ({ database, makeUser, signedIn, request }) => {
	const researcher = await makeUser('researcher');
	const page = await signedIn(researcher);
	const bad = await page.request.post('/api/plans', { data: { title: '', conditions: ['nope'], primary: { instrument: 'pain_nrs', scale: 'nope' }, timepoint: { visit: 1 }, secondary: [], primary_population: 'all', enrolled_from: '2024-01-02', extra: 1 } });
	expect(bad.status()).toBe(400);
	const errors = (await bad.json()).errors;
	expect(Object.keys(errors).sort()).toEqual(['conditions.0', 'enrolled_from', 'extra', 'primary.scale', 'primary_population', 'timepoint.visit', 'title'].sort());
	const plan = { title: 'API plan', conditions: ['sle'], primary: { instrument: 'pain_nrs', scale: 'score' }, timepoint: { visit: 2 }, secondary: [{ instrument: 'fss9', scale: 'mean' }], primary_population: 'carried_forward', enrolled_from: '2024-01-01', enrolled_to: '2025-12-31' };
	const created = await page.request.post('/api/plans', { data: plan });
	expect(created.status()).toBe(201);
	const { id, version } = await created.json();
	expect(version).toBe(1);
	expect((await page.request.get(`/api/reports/${id}`)).status()).toBe(409);
	expect((await page.request.post(`/api/plans/${id}/versions`, { data: { plan, reason: 'x' } })).status()).toBe(409);
	const locked = await page.request.post(`/api/plans/${id}/lock`);
	expect(locked.status()).toBe(200);
	expect(await locked.json()).toMatchObject({ id, version: 1, sha256: expect.stringMatching(/^[0-9a-f]{64}$/), followups_at_lock: expect.any(Number) });
	expect((await page.request.post(`/api/plans/${id}/lock`)).status()).toBe(409);
	const noReason = await page.request.post(`/api/plans/${id}/versions`, { data: { plan: { ...plan, title: '' } } });
	expect(Object.keys((await noReason.json()).errors).sort()).toEqual(['plan.title', 'reason']);
	const v2 = await page.request.post(`/api/plans/${id}/versions`, { data: { plan: { ...plan, timepoint: { visit: 3 } }, reason: 'Visit 3 is the end of a course' } });
	expect(v2.status()).toBe(201);
	expect(await v2.json()).toEqual({ id, version: 2 });
	const { token } = await createApiToken(database.db, { id: researcher.id }, 'e2e evidence');
	const report = await request.get(`/api/reports/${id}`, { headers: { authorization: `Bearer ${token}` } });
	expect(report.status()).toBe(200);
	const json = await report.json();
	expect(json.plan.version).toBe(1);
	expect(json.secondary[0]).toMatchObject({ instrument: 'fss9', scale: 'mean' });
});
