/**
 * Issue 22's defects, as a clinician and a researcher meet them in the browser: a second visit on
 * the same date, switching the cohort instrument (and every other cohort filter, one at a time),
 * and focus after adding an instrument.
 */
import type { Page } from '@playwright/test';
import { sql } from 'drizzle-orm';
import { executeRows } from '../../src/lib/server/db';
import { addCondition, createPatient } from '../../src/lib/server/patients';
import { recordVisit, voidVisit } from '../../src/lib/server/visits';
import { getInstrument } from '../../src/lib/instruments';
import { today } from '../../src/lib/validation/clinical';
import { expect, test } from './fixtures';

/** Errors the browser logged (a keyed-each duplicate among them blanks the page). */
function consoleErrors(page: Page): string[] {
	const errors: string[] = [];
	page.on('console', (m) => {
		if (m.type() === 'error') errors.push(m.text());
	});
	page.on('pageerror', (e) => errors.push(e.message));
	return errors;
}

/** Valid answers for every item: each item's lowest code. */
const lowest = (id: string, shift = 0) => {
	const def = getInstrument(id)!;
	return { instrumentId: id, answers: Object.fromEntries(def.items.map((i) => [i.key, Math.min(i.max, i.min + shift)])) };
};

test('a second visit on the same date is refused with a link to the first; the patient page never blanks', async ({ database, makeUser, signedIn }) => {
	// Two form saves, two concurrent posts and four page loads: 12–20 s on an idle machine.
	test.slow();
	const clinician = await makeUser('clinician');
	const page = await signedIn(clinician);
	const errors = consoleErrors(page);
	const p = await createPatient(database.db, { id: clinician.id }, { clinicRef: `SD-${Date.now()}`, name: 'Same Day', dateOfBirth: '1980-01-01', sex: 'female', conditionCode: 'crohns', enrolledOn: '2025-01-01' });
	if (!p.ok) throw new Error(p.message);

	async function recordToday() {
		await page.goto(`/patients/${p.ok ? p.value : ''}/visits/new`);
		await expect(page.getByLabel('Visit date')).toHaveValue(today());
		await page.getByLabel('Kind of visit').selectOption('treatment');
		await page.getByLabel('Acupuncture sessions since the previous visit').fill('1');
		await page.getByRole('button', { name: 'Add Pain NRS' }).click();
		await page.locator('fieldset[data-instrument="pain_nrs"] input').first().fill('6');
		await page.getByRole('button', { name: 'Save visit' }).click();
	}
	await recordToday();
	await expect(page.getByRole('heading', { name: /Same Day/ })).toBeVisible();
	await recordToday();
	const dateError = page.locator('#field-visitDate-error');
	await expect(dateError).toContainText('A visit on this date already exists');
	// What was typed is kept.
	await expect(page.getByLabel('Acupuncture sessions since the previous visit')).toHaveValue('1');
	await expect(page.locator('fieldset[data-instrument="pain_nrs"] input').first()).toHaveValue('6');
	await dateError.getByRole('link', { name: 'Open the visit on this date' }).click();
	await expect(page.getByRole('heading', { name: `Visit of ${today()}` })).toBeVisible();

	// Two saves sent at once (a double submit that got past the disabled button): one visit.
	await page.goto(`/patients/${p.value}/visits/new`);
	const statuses = await page.evaluate(async (date) => {
		const body = () => {
			const f = new FormData();
			for (const [k, v] of Object.entries({ visitDate: date, kind: 'treatment', acupunctureSessions: '2', flare: 'no', note: '' })) f.append(k, v);
			return f;
		};
		const send = () => fetch(location.pathname, { method: 'POST', body: body(), headers: { 'x-sveltekit-action': 'true' } }).then((r) => r.json());
		return (await Promise.all([send(), send()])).map((r) => r.type);
	}, '2025-03-03');
	expect(statuses.sort()).toEqual(['failure', 'redirect']);
	const sameDay = await executeRows(database.db, sql`select id from visits where patient_id = ${p.value}::uuid and visit_date = '2025-03-03' and not voided`);
	expect(sameDay).toHaveLength(1);

	// Data that shares a date (a voided visit beside a live one) renders whole.
	const id = String(sameDay[0]!.id);
	expect((await voidVisit(database.db, { id: clinician.id }, id, 1, 'entered twice')).ok).toBe(true);
	const again = await recordVisit(database.db, { id: clinician.id }, p.value, { visitDate: '2025-03-03', kind: 'treatment', acupunctureSessions: 2, flare: 'no', note: null }, [lowest('pain_nrs', 3)]);
	expect(again.ok).toBe(true);
	await page.goto(`/patients/${p.value}`);
	await expect(page.locator('table.visits tbody tr')).toHaveCount(3);
	await expect(page.locator('figure[data-chart="pain_nrs-score"] tbody tr')).toHaveCount(2);
	await expect(page.getByRole('navigation').first()).toBeVisible();
	await page.waitForTimeout(300);
	await expect(page.locator('table.visits tbody tr')).toHaveCount(3);
	expect(errors.filter((e) => /each_key_duplicate|Uncaught/i.test(e))).toEqual([]);
});

test('adding an instrument moves focus to its first item', async ({ database, makeUser, signedIn }) => {
	const clinician = await makeUser('clinician');
	const page = await signedIn(clinician);
	const p = await createPatient(database.db, { id: clinician.id }, { clinicRef: `FO-${Date.now()}`, name: 'Focus Patient', dateOfBirth: '1980-01-01', sex: 'male', conditionCode: 'crohns', enrolledOn: '2025-01-01' });
	if (!p.ok) throw new Error(p.message);
	await page.goto(`/patients/${p.value}/visits/new`);
	await page.getByRole('button', { name: 'Add FSS-9', exact: true }).focus();
	await page.keyboard.press('Enter');
	await expect(page.locator('fieldset[data-instrument="fss9"] input').first()).toBeFocused();
	await page.keyboard.type('4');
	await expect(page.locator('fieldset[data-instrument="fss9"] input').first()).toHaveValue('4');
	// Enter moves to the next item instead of saving.
	await page.keyboard.press('Enter');
	await expect(page.locator('fieldset[data-instrument="fss9"] input').nth(1)).toBeFocused();
	await expect(page.getByRole('heading', { name: 'Record a visit' })).toBeVisible();
	await expect(page.locator('p.error, .form-error')).toHaveCount(0);
	await page.getByRole('button', { name: 'Add Pain NRS', exact: true }).click();
	await expect(page.locator('fieldset[data-instrument="pain_nrs"] input').first()).toBeFocused();
});

test('cohort page: switching the instrument shows its first scale; every other filter changes on its own', async ({ database, makeUser, signedIn }) => {
	test.slow();
	const clinician = await makeUser('clinician');
	const actor = { id: clinician.id };
	const tag = `${Date.now()}`;
	const condition = await addCondition(database.db, actor, { code: `sw_${tag}`, label: `Switch condition ${tag}` });
	if (!condition.ok) throw new Error(condition.message);
	const instruments = ['fss9', 'who5', 'pain_nrs', 'rand36'];
	for (let i = 0; i < 6; i++) {
		const p = await createPatient(database.db, actor, { clinicRef: `SW-${tag}-${i}`, name: `Switch ${i}`, dateOfBirth: '1970-01-01', sex: i % 2 ? 'male' : 'female', conditionCode: condition.value, enrolledOn: '2025-01-01' });
		if (!p.ok) throw new Error(p.message);
		for (const [date, shift] of [['2025-01-06', 0], ['2025-02-03', 1]] as const) {
			const v = await recordVisit(database.db, actor, p.value, { visitDate: date, kind: shift ? 'treatment' : 'baseline', acupunctureSessions: 1, flare: 'no', note: null }, instruments.map((id) => lowest(id, shift)));
			if (!v.ok) throw new Error(v.message);
		}
	}
	const page = await signedIn(await makeUser('researcher'));
	const errors = consoleErrors(page);
	await page.goto(`/cohort?instrument=fss9&conditions=${condition.value}`);
	const table = page.locator('table.aggregates');
	await expect(table).toContainText(`Switch condition ${tag}`);

	for (const id of ['who5', 'pain_nrs', 'rand36', 'fss9']) {
		const def = getInstrument(id)!;
		await page.getByLabel('Instrument').selectOption(id);
		await expect(page).toHaveURL(new RegExp(`instrument=${id}&.*scale=${def.scales[0]!.key}(&|$)`));
		await expect(page.getByRole('alert')).toHaveCount(0);
		await expect(page.getByLabel('Scale')).toBeEnabled();
		await expect(page.getByLabel('Scale').locator('option')).toHaveCount(def.scales.length);
		await expect(page.getByLabel('Scale')).toHaveValue(def.scales[0]!.key);
		await expect(page.locator('p', { hasText: def.name }).first()).toBeVisible();
		await expect(table.locator('tbody tr').first()).toContainText('6');
		await expect(page.locator('section[aria-labelledby="trend-title"] canvas')).toBeVisible();
	}
	// Each other control on its own.
	await page.getByLabel('Instrument').selectOption('rand36');
	await expect(page).toHaveURL(/instrument=rand36/);
	const second = getInstrument('rand36')!.scales[1]!.key;
	await page.getByLabel('Scale').selectOption(second);
	await expect(page).toHaveURL(new RegExp(`scale=${second}`));
	await expect(page.getByLabel('Scale')).toHaveValue(second);
	await page.getByLabel('Measure').selectOption('change');
	await expect(page.getByRole('heading', { name: 'Change from baseline over time' })).toBeVisible();
	await page.getByLabel('Statistic').selectOption('median');
	await expect(page).toHaveURL(/statistic=median/);
	await page.getByLabel('Time axis').selectOption('week');
	await expect(page.getByLabel('Bucket (weeks)')).toBeVisible();
	await expect(table.locator('thead')).toContainText('Week');
	await page.getByLabel('Bucket (weeks)').fill('4');
	await page.getByLabel('Bucket (weeks)').press('Enter');
	await expect(page).toHaveURL(/bucket=4/);
	await page.getByLabel('Time axis').selectOption('visit');
	await expect(table.locator('thead')).toContainText('Visit');
	await expect(page.getByLabel('Scale')).toHaveValue(second);
	await expect(page.getByRole('alert')).toHaveCount(0);
	expect(errors.filter((e) => /each_key_duplicate|Uncaught/i.test(e))).toEqual([]);
});

test('a voided visit is restored from its page with a reason, unless its date holds another visit', async ({ database, makeUser, signedIn }) => {
	const clinician = await makeUser('clinician');
	const page = await signedIn(clinician);
	const errors = consoleErrors(page);
	const p = await createPatient(database.db, { id: clinician.id }, { clinicRef: `RV-${Date.now()}`, name: 'Restore Visit', dateOfBirth: '1980-01-01', sex: 'female', conditionCode: 'crohns', enrolledOn: '2025-01-01' });
	if (!p.ok) throw new Error(p.message);
	const base = { visitDate: '2025-03-01', kind: 'treatment' as const, acupunctureSessions: 1, flare: 'no' as const, note: null };
	const first = await recordVisit(database.db, { id: clinician.id }, p.value, base, [lowest('pain_nrs', 5)]);
	if (!first.ok) throw new Error(first.message);
	expect((await voidVisit(database.db, { id: clinician.id }, first.value, 1, 'thought it a duplicate')).ok).toBe(true);
	const second = await recordVisit(database.db, { id: clinician.id }, p.value, base, [lowest('pain_nrs', 2)]);
	if (!second.ok) throw new Error(second.message);

	await page.goto(`/patients/${p.value}/visits/${first.value}`);
	await page.getByText('Restore this visit').click();
	// No reason: told at the field.
	await page.getByRole('button', { name: 'Restore visit' }).click();
	await expect(page.locator('#restore-reason-error')).toBeVisible();
	await page.getByLabel('Reason for restoring').fill('was not a duplicate');
	await page.getByRole('button', { name: 'Restore visit' }).click();
	// The date holds the second visit: refused with a link to it; the reason typed is kept.
	await expect(page.getByRole('alert').filter({ hasText: 'A visit on this date already exists' })).toBeVisible();
	await expect(page.getByLabel('Reason for restoring')).toHaveValue('was not a duplicate');
	await page.getByRole('link', { name: 'Open the visit on 2025-03-01' }).click();
	await expect(page).toHaveURL(new RegExp(`/visits/${second.value}$`));
	// Void the second from its page, then restore the first.
	await page.getByLabel('Reason for voiding').fill('the real duplicate');
	await page.getByRole('button', { name: 'Void visit' }).click();
	await expect(page.getByRole('heading', { name: /Restore Visit/ })).toBeVisible();
	await page.goto(`/patients/${p.value}/visits/${first.value}`);
	await page.getByText('Restore this visit').click();
	await page.getByLabel('Reason for restoring').fill('was not a duplicate');
	await page.getByRole('button', { name: 'Restore visit' }).click();
	await expect(page.getByRole('status').filter({ hasText: 'Visit restored.' })).toBeVisible();
	await expect(page.getByText('This visit is voided')).toHaveCount(0);
	expect(errors).toEqual([]);
});
