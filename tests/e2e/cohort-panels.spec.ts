/**
 * Issue 22, the parts after the defects: cohort conditions ticked one at a time, small multiples
 * for more than three conditions (one drawn canvas each), n under the axis, one table per
 * condition, downloads named by what defines them; the entry form's Source disclosure; the audit
 * page's shortcuts to exports and imports.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import AxeBuilder from '@axe-core/playwright';
import type { Locator, Page } from '@playwright/test';
import { appendAudit } from '../../src/lib/server/audit/append';
import { addCondition, createPatient } from '../../src/lib/server/patients';
import { recordVisit } from '../../src/lib/server/visits';
import { expect, test } from './fixtures';

async function paintedPixels(canvas: Locator): Promise<number> {
	return canvas.evaluate((node: HTMLCanvasElement) => {
		const { data } = node.getContext('2d')!.getImageData(0, 0, node.width, node.height);
		let painted = 0;
		for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) painted++;
		return painted;
	});
}

/** axe-core on the page as it stands (the a11y spec's tags): small multiples and open tables are states of their own. */
async function axeViolations(page: Page): Promise<string[]> {
	const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
	return result.violations.map((v) => `${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
}

test('cohort: checkboxes change the chart on their own; more than three conditions are small multiples with a table each; downloads say what they hold', async ({ database, makeUser, signedIn }) => {
	test.slow();
	const clinician = await makeUser('clinician');
	const actor = { id: clinician.id };
	const tag = `${Date.now()}`;
	const codes: string[] = [];
	// Five conditions of six patients each (k = 5): pain 7 at baseline, 7 − (c + i % 2) at visit 2.
	for (let c = 0; c < 5; c++) {
		const condition = await addCondition(database.db, actor, { code: `sm${c}_${tag}`, label: `Panel ${c} ${tag}` });
		if (!condition.ok) throw new Error(condition.message);
		codes.push(condition.value);
		for (let i = 0; i < 6; i++) {
			const p = await createPatient(database.db, actor, { clinicRef: `SM-${tag}-${c}-${i}`, name: `Panel ${c}.${i}`, dateOfBirth: '1970-01-01', sex: i % 2 ? 'male' : 'female', conditionCode: condition.value, enrolledOn: '2025-01-01' });
			if (!p.ok) throw new Error(p.message);
			for (const [date, pain] of [['2025-01-06', 7], ['2025-02-03', 7 - c - (i % 2)]] as const) {
				const v = await recordVisit(database.db, actor, p.value, { visitDate: date, kind: date === '2025-01-06' ? 'baseline' : 'treatment', acupunctureSessions: 1, flare: 'no', note: null }, [{ instrumentId: 'pain_nrs', answers: { pain } }]);
				if (!v.ok) throw new Error(v.message);
			}
		}
	}
	const page = await signedIn(await makeUser('researcher'));
	await page.goto(`/cohort?instrument=pain_nrs&scale=score&conditions=${codes[0]}`);
	const trend = page.locator('section[aria-labelledby="trend-title"]');
	await expect(page.getByRole('group', { name: /Conditions/ }).getByRole('checkbox')).not.toHaveCount(0);
	await expect(trend.locator('canvas')).toHaveCount(1);

	// Each tick on its own redraws: one shared panel up to three, then one panel per condition.
	for (let c = 1; c < 5; c++) {
		await page.getByRole('checkbox', { name: `Panel ${c} ${tag}` }).check();
		await expect(page).toHaveURL(new RegExp(`conditions=${codes[c]}`));
		await expect(page.locator('details.condition-table')).toHaveCount(c + 1);
		await expect(trend.locator('canvas')).toHaveCount(c + 1 <= 3 ? 1 : c + 1);
	}
	const panels = trend.locator('figure.panel');
	await expect(panels).toHaveCount(5);
	for (let c = 0; c < 5; c++) {
		const panel = trend.locator(`figure.panel[data-condition="${codes[c]}"]`);
		await expect(panel.locator('figcaption')).toHaveText(`Panel ${c} ${tag}`);
		await expect.poll(() => paintedPixels(panel.locator('canvas'))).toBeGreaterThan(1500);
	}
	// The tables are collapsed when there are many; each opens to the chart's numbers.
	const table = page.locator('details.condition-table').filter({ hasText: `Panel 3 ${tag}` });
	await expect(table).not.toHaveAttribute('open');
	await table.locator('summary').click();
	await expect(table.locator('tbody tr')).toHaveCount(2);
	await expect(table.locator('tbody tr').nth(1)).toContainText('6');
	// Visit 2 of condition 3: 4, 3, 4, 3, 4, 3 → mean 3.5.
	await expect(table.locator('tbody tr').nth(1).locator('td').nth(2)).toHaveText('3.5');

	if (process.env.H22_SHOT) await page.screenshot({ path: '/tmp/h22/multiples.png', fullPage: true });
	expect(await axeViolations(page)).toEqual([]);

	// Unticking one on its own goes back to one panel per condition for four… and three share one.
	await page.getByRole('checkbox', { name: `Panel 4 ${tag}` }).uncheck();
	await expect(page).not.toHaveURL(new RegExp(`conditions=${codes[4]}`));
	await expect(trend.locator('canvas')).toHaveCount(4);
	await page.getByRole('checkbox', { name: `Panel 3 ${tag}` }).uncheck();
	await expect(trend.locator('canvas')).toHaveCount(1);
	await expect(trend.locator('figure.panel')).toHaveAttribute('data-condition', codes.slice(0, 3).join(' '));
	await expect.poll(() => paintedPixels(trend.locator('canvas'))).toBeGreaterThan(2000);

	// Downloads are named by instrument, scale, measure, statistic, axis and conditions.
	await page.getByLabel('Measure').selectOption('change');
	await expect(page).toHaveURL(/measure=change/);
	await page.getByLabel('Statistic').selectOption('median');
	await expect(page).toHaveURL(/statistic=median/);
	const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download table (CSV)' }).click()]);
	const name = `cohort-pain-nrs-score-change-median-by-visit-${codes.slice(0, 3).join('+')}`;
	expect(csv.suggestedFilename()).toBe(`${name}.csv`);
	const text = await readFile((await csv.path())!, 'utf8');
	const lines = text.split('\r\n');
	expect(lines.slice(0, 9).every((l) => l.startsWith('# '))).toBe(true);
	expect(text).toContain('# instrument: pain_nrs');
	expect(text).toContain('# measure: change from baseline');
	expect(text).toContain('# statistic: median');
	expect(text).toContain('# time axis: visit number');
	expect(text).toContain(`# conditions: ${codes[0]} (Panel 0 ${tag}); ${codes[1]} (Panel 1 ${tag}); ${codes[2]} (Panel 2 ${tag})`);
	expect(lines[9]).toBe('condition,visit,n,mean,ci_low,ci_high,median,q1,q3');
	const [png] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download chart (PNG)' }).first().click()]);
	expect(png.suggestedFilename()).toBe(`${name}.png`);
});

test('the entry form keeps version, licence and citations behind a Source disclosure', async ({ database, makeUser, signedIn }) => {
	const clinician = await makeUser('clinician');
	const page = await signedIn(clinician);
	const p = await createPatient(database.db, { id: clinician.id }, { clinicRef: `SRC-${Date.now()}`, name: 'Source Patient', dateOfBirth: '1980-01-01', sex: 'male', conditionCode: 'crohns', enrolledOn: '2025-01-01' });
	if (!p.ok) throw new Error(p.message);
	await page.goto(`/patients/${p.value}/visits/new`);
	await page.getByRole('button', { name: 'Add FSS-9', exact: true }).click();
	const fieldset = page.locator('fieldset[data-instrument="fss9"]');
	await expect(fieldset.getByText('Licence class')).toBeHidden();
	await fieldset.getByText('Source', { exact: true }).click();
	await expect(fieldset.getByText('Licence class')).toBeVisible();
	await expect(fieldset.getByText('Citations')).toBeVisible();
	await expect(fieldset.getByText('Version')).toBeVisible();
	expect(await axeViolations(page)).toEqual([]);
});

test('the audit page filters exports and imports', async ({ database, makeUser, signedIn }) => {
	const admin = await makeUser('admin');
	const researcher = await signedIn(await makeUser('researcher'));
	// A real export preview (audited as entity export) and an import stage as the import code writes it.
	await researcher.goto('/export?instruments=pain_nrs&k=5');
	const fileName = `audit-import-${Date.now()}.csv`;
	await database.db.transaction((tx) => appendAudit(tx, { actorId: admin.id, action: 'upload', entity: 'import', entityId: randomUUID(), after: { fileName } }));
	const page = await signedIn(admin);
	await page.goto('/admin/audit');
	const rows = page.locator('table.audit tbody tr');
	await page.getByRole('navigation', { name: 'Audit shortcuts' }).getByRole('link', { name: 'Imports' }).click();
	await expect(page).toHaveURL(/entity=import/);
	await expect(page.getByRole('combobox', { name: 'Entity' })).toHaveValue('import');
	await expect(rows.filter({ hasText: fileName })).toHaveCount(1);
	for (const cell of await rows.locator('td:nth-child(5)').allTextContents()) expect(cell).toMatch(/^import /);
	await page.getByRole('navigation', { name: 'Audit shortcuts' }).getByRole('link', { name: 'Exports and previews' }).click();
	await expect(page).toHaveURL(/entity=export/);
	await expect(rows.first()).toContainText('preview');
	for (const cell of await rows.locator('td:nth-child(5)').allTextContents()) expect(cell).toMatch(/^export /);
	expect(await axeViolations(page)).toEqual([]);
	// The same through the form: entity and action.
	await page.getByRole('combobox', { name: 'Entity' }).selectOption('import');
	await page.getByRole('combobox', { name: 'Action', exact: true }).selectOption('upload');
	await page.getByRole('button', { name: 'Filter' }).click();
	await expect(page).toHaveURL(/action=upload/);
	await expect(rows.filter({ hasText: fileName })).toHaveCount(1);
});
