/**
 * The patient page answers "is this patient better?" (issue 22): a summary row per scale with its
 * MCID verdict, charts collapsed but for the condition's key outcomes, tables inside their cards
 * at 1280 and 768 px, history in words, archiving behind a disclosure.
 */
import { addCondition, createPatient } from '../../src/lib/server/patients';
import { setKeyOutcomes } from '../../src/lib/server/patients/key-outcomes';
import { recordVisit, updateVisit } from '../../src/lib/server/visits';
import { expect, test } from './fixtures';

test('a clinician sees at the top whether the patient is better, and opens any chart from it', async ({ database, makeUser, signedIn }) => {
	const clinician = await makeUser('clinician');
	const actor = { id: clinician.id };
	const tag = `${Date.now()}`;
	const condition = await addCondition(database.db, actor, { code: `ps_${tag}`, label: `Summary condition ${tag}` });
	if (!condition.ok) throw new Error(condition.message);
	expect((await setKeyOutcomes(database.db, actor, condition.value, ['pain_nrs:score'])).ok).toBe(true);
	const p = await createPatient(database.db, actor, { clinicRef: `PS-${tag}`, name: 'Summary Patient', dateOfBirth: '1970-01-01', sex: 'female', conditionCode: condition.value, enrolledOn: '2025-01-01' });
	if (!p.ok) throw new Error(p.message);
	// Pain 7 → 6 → 4: −3, better by at least the MCID (2, lower is better). WHO-5 12 → 13 raw
	// (48% → 52%, +4 < 10): within. FSS-9 mean 4 → 6: worse by 2, past its MCID (0.45).
	const who = (v: number) => Object.fromEntries(Array.from({ length: 5 }, (_, i) => [String(i + 1), v]));
	const fss = (v: number) => Object.fromEntries(Array.from({ length: 9 }, (_, i) => [String(i + 1), v]));
	const visits: [string, number, Record<string, number>, Record<string, number>][] = [
		['2025-01-06', 7, { '1': 2, '2': 2, '3': 3, '4': 2, '5': 3 }, fss(4)],
		['2025-02-03', 6, who(3), fss(5)],
		['2025-03-03', 4, { '1': 3, '2': 3, '3': 2, '4': 2, '5': 3 }, fss(6)]
	];
	let firstVisit = '';
	for (const [date, pain, w, f] of visits) {
		const v = await recordVisit(database.db, actor, p.value, { visitDate: date, kind: date.endsWith('01-06') ? 'baseline' : 'follow_up', acupunctureSessions: 2, flare: 'no', note: null }, [
			{ instrumentId: 'pain_nrs', answers: { pain } },
			{ instrumentId: 'who5', answers: w },
			{ instrumentId: 'fss9', answers: f }
		]);
		if (!v.ok) throw new Error(v.message);
		firstVisit ||= v.value;
	}
	expect((await updateVisit(database.db, actor, firstVisit, 1, { kind: 'treatment' }, 'kind corrected')).ok).toBe(true);

	const page = await signedIn(clinician);
	await page.setViewportSize({ width: 1280, height: 800 });
	await page.goto(`/patients/${p.value}`);
	const summary = page.locator('table.summary');
	const row = (id: string) => summary.locator(`tr[data-scale="${id}"]`);
	await expect(row('pain_nrs-score')).toContainText('Improved by at least the MCID');
	await expect(row('pain_nrs-score').locator('td').nth(2)).toHaveText('-3');
	await expect(row('pain_nrs-score').locator('td').nth(4)).toContainText('3');
	await expect(row('who5-percentage')).toContainText('Changed by less than the MCID');
	await expect(row('fss9-mean')).toHaveAttribute('data-verdict', 'worsened');
	await expect(row('fss9-mean')).toContainText('Worsened by at least the MCID');
	// The mark is text, not colour alone.
	await expect(row('fss9-mean').locator('td.verdict')).toContainText('▼');
	// The summary is visible without scrolling at 1280×800.
	const box = await summary.boundingBox();
	expect(box!.y).toBeLessThan(800);

	// Only the key outcome's chart is open; a summary row opens another.
	await expect(page.locator('details#chart-pain_nrs-score')).toHaveAttribute('open', '');
	await expect(page.locator('details#chart-who5-percentage')).not.toHaveAttribute('open', '');
	await expect(page.locator('figure[data-chart="who5-percentage"]')).toHaveCount(0);
	await row('who5-percentage').getByRole('link').click();
	await expect(page.locator('figure[data-chart="who5-percentage"] canvas')).toBeVisible();
	await expect(page.locator('figure[data-chart="who5-percentage"] tbody tr')).toHaveCount(3);

	// No table wider than its card, at 1280 px and on a tablet.
	for (const width of [1280, 768]) {
		await page.setViewportSize({ width, height: 900 });
		const overflowing = await page.evaluate(() =>
			[...document.querySelectorAll('figure.trajectory')].filter((f) => f.scrollWidth > f.clientWidth + 1).map((f) => f.getAttribute('data-chart'))
		);
		expect(overflowing, `at ${width} px`).toEqual([]);
	}

	// History in words: labels and values as shown elsewhere, no code names or ids.
	const history = page.locator('section.history');
	await expect(history).toContainText('Kind of visit');
	await expect(history).toContainText('Follow-up');
	await expect(history).toContainText('Changed visit');
	await expect(history).not.toContainText('acupunctureSessions');
	await expect(history).not.toContainText('follow_up');
	await expect(history).not.toContainText(firstVisit);

	// Archiving sits behind a disclosure at the end.
	await expect(page.getByRole('button', { name: 'Archive patient' })).toBeHidden();
	await page.getByText('Archive this patient…').click();
	await page.getByLabel('Reason').fill('moved away');
	await page.getByRole('button', { name: 'Archive patient' }).click();
	await expect(page.getByText('This patient is archived.')).toBeVisible();
});
