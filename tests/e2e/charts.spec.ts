import type { Locator } from '@playwright/test';
import { addCondition, createPatient } from '../../src/lib/server/patients';
import { recordVisit } from '../../src/lib/server/visits';
import { expect, test } from './fixtures';

/** Counts painted pixels of a canvas: a drawn chart has many. */
async function paintedPixels(canvas: Locator): Promise<number> {
	return canvas.evaluate((node: HTMLCanvasElement) => {
		const { data } = node.getContext('2d')!.getImageData(0, 0, node.width, node.height);
		let painted = 0;
		for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) painted++;
		return painted;
	});
}

test('researchers see cohort trends drawn with their numbers; the patient page draws a trajectory', async ({ database, makeUser, signedIn, request }) => {
	const clinician = await makeUser('clinician');
	const actor = { id: clinician.id };
	const tag = `${Date.now()}`;
	const condition = await addCondition(database.db, actor, { code: `e2e_${tag}`, label: `E2E condition ${tag}` });
	if (!condition.ok) throw new Error(condition.message);
	let firstPatient = '';
	// Six patients (k = 5): pain falls from 7 by 0–3 points; FSS-9 from 5 to 4.
	for (let i = 0; i < 6; i++) {
		const p = await createPatient(database.db, actor, {
			clinicRef: `CH-${tag}-${i}`, name: `Chart Patient ${i}`, dateOfBirth: '1970-01-01', sex: i % 2 ? 'male' : 'female', conditionCode: condition.value, enrolledOn: '2025-01-01'
		});
		if (!p.ok) throw new Error(p.message);
		firstPatient ||= p.value;
		for (const [date, pain, fss, flare] of [['2025-01-06', 7, 5, 'no'], ['2025-01-20', 7 - (i % 4), 4, i === 0 ? 'yes' : 'no']] as const) {
			const v = await recordVisit(database.db, actor, p.value, { visitDate: date, kind: date === '2025-01-06' ? 'baseline' : 'treatment', acupunctureSessions: 2, flare, note: null }, [
				{ instrumentId: 'pain_nrs', answers: { pain } },
				{ instrumentId: 'fss9', answers: Object.fromEntries(Array.from({ length: 9 }, (_, k) => [String(k + 1), fss])) }
			]);
			if (!v.ok) throw new Error(v.message);
		}
	}

	const api = await signedIn(await makeUser('researcher'));
	const json = await (await api.request.get(`/api/cohort/trend?instrument=pain_nrs&scale=score&axis=visit&measure=change&conditions=${condition.value}`)).json();
	// Changes at visit 2: 0, −1, −2, −3, 0, −1 → mean −7/6; responders (MCID 2, lower is better): 2 of 6.
	expect(json.k).toBe(5);
	expect(json.series[0].points.map((p: { x: number; n: number }) => [p.x, p.n])).toEqual([[1, 6], [2, 6]]);
	expect(json.series[0].points[1].mean).toBeCloseTo(-7 / 6, 10);
	expect(json.responders).toEqual([expect.objectContaining({ condition: condition.value, n: 6, responders: 2 })]);
	expect((await request.get('/api/cohort/trend')).status()).toBe(401);
	expect((await api.request.get('/api/cohort/trend?instrument=nope')).status()).toBe(400);

	const page = api;
	await page.goto(`/cohort?instrument=fss9&conditions=${condition.value}`);
	await expect(page.getByRole('heading', { name: 'Score over time' })).toBeVisible();
	const canvas = page.locator('section[aria-labelledby="trend-title"] canvas');
	await expect.poll(() => paintedPixels(canvas)).toBeGreaterThan(2000);
	await expect(page.locator('table.aggregates tbody tr').first()).toContainText('6');

	await page.getByLabel('Instrument').selectOption('pain_nrs');
	await expect(page).toHaveURL(/instrument=pain_nrs/);
	await page.getByLabel('Measure').selectOption('change');
	await expect(page).toHaveURL(/measure=change/);
	await expect(page.getByRole('heading', { name: 'Change from baseline over time' })).toBeVisible();
	await expect(page.locator('table.aggregates')).toContainText('-1.2');
	await expect.poll(() => paintedPixels(page.locator('section[aria-labelledby="responders-title"] canvas'))).toBeGreaterThan(500);
	await expect(page.locator('section[aria-labelledby="responders-title"] table')).toContainText('33.3%');

	// A clinician sees the trajectory on the patient page, with its table.
	const clinicianPage = await signedIn(clinician);
	await clinicianPage.goto(`/patients/${firstPatient}`);
	// Charts are collapsed but for the condition's key outcomes (none here): the summary row opens it.
	await clinicianPage.locator('table.summary').getByRole('link', { name: 'Pain NRS' }).click();
	const trajectory = clinicianPage.locator('figure[data-chart="pain_nrs-score"]');
	await expect(trajectory).toContainText('lower is better');
	await expect(trajectory).toContainText('flare');
	await expect.poll(() => paintedPixels(trajectory.locator('canvas'))).toBeGreaterThan(1000);
	await expect(trajectory.locator('tbody tr')).toHaveCount(2);
});
