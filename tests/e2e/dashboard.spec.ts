/**
 * The home page is a dashboard (issue 22): each role's tiles, a condition's headline with its
 * numbers, a small group suppressed, every tile linking to its page, and no scrolling at 1280×800.
 */
import { addCondition, createPatient } from '../../src/lib/server/patients';
import { setKeyOutcomes } from '../../src/lib/server/patients/key-outcomes';
import { recordVisit } from '../../src/lib/server/visits';
import { today } from '../../src/lib/validation/clinical';
import { expect, test } from './fixtures';

test('home tiles per role: headlines with their numbers, small groups withheld, links to their pages', async ({ database, makeUser, signedIn }) => {
	const clinician = await makeUser('clinician');
	const actor = { id: clinician.id };
	const tag = `${Date.now()}`;
	const big = await addCondition(database.db, actor, { code: `db_${tag}`, label: `Dash big ${tag}` });
	const small = await addCondition(database.db, actor, { code: `ds_${tag}`, label: `Dash small ${tag}` });
	if (!big.ok || !small.ok) throw new Error('condition');
	for (const c of [big.value, small.value]) expect((await setKeyOutcomes(database.db, actor, c, ['pain_nrs:score'])).ok).toBe(true);
	// Six patients: pain 7 → 7, 6, 5, 4, 7, 6 (changes 0, −1, −2, −3, 0, −1: mean −7/6; 2 of 6
	// improved by the MCID of 2). Three in the small condition: withheld (k = 5).
	for (const [condition, count] of [[big.value, 6], [small.value, 3]] as const) {
		for (let i = 0; i < count; i++) {
			const p = await createPatient(database.db, actor, { clinicRef: `DB-${tag}-${condition}-${i}`, name: `Dash ${i}`, dateOfBirth: '1970-01-01', sex: 'female', conditionCode: condition, enrolledOn: '2025-01-01' });
			if (!p.ok) throw new Error(p.message);
			for (const [date, pain] of [['2025-01-06', 7], [today(), 7 - (i % 4)]] as const) {
				const v = await recordVisit(database.db, actor, p.value, { visitDate: date, kind: 'treatment', acupunctureSessions: 1, flare: 'no', note: null }, [{ instrumentId: 'pain_nrs', answers: { pain } }]);
				if (!v.ok) throw new Error(v.message);
			}
		}
	}

	const asClinician = await signedIn(clinician);
	await asClinician.setViewportSize({ width: 1280, height: 800 });
	await asClinician.goto('/');
	const tile = asClinician.locator(`section.headline[data-condition="${big.value}"]`);
	await expect(tile).toContainText('Pain NRS');
	await expect(tile).toContainText('-1.2');
	await expect(tile).toContainText('33%');
	await expect(tile).toContainText('n = 6 followed up');
	await expect(tile).toContainText('Baseline mean 7.0');
	await expect(asClinician.locator(`section.headline[data-condition="${small.value}"]`)).toHaveCount(0);
	await expect(asClinician.locator('.footnote')).toContainText(`Dash small ${tag}`);
	const seen = asClinician.locator('section.seen');
	await expect(seen).toContainText('this week');
	expect(Number(await seen.locator('.big').textContent())).toBeGreaterThanOrEqual(9);
	await expect(asClinician.locator('section.transfers')).toHaveCount(0);
	// Everything on one screen.
	expect(await asClinician.evaluate(() => document.documentElement.scrollHeight)).toBeLessThanOrEqual(800 + 1);
	await tile.getByRole('link').click();
	await expect(asClinician).toHaveURL(new RegExp(`/cohort\\?instrument=pain_nrs&scale=score&conditions=${big.value}`));
	await expect(asClinician.locator('table.aggregates')).toContainText(`Dash big ${tag}`);

	const asResearcher = await signedIn(await makeUser('researcher'));
	await asResearcher.goto('/');
	await expect(asResearcher.locator(`section.headline[data-condition="${big.value}"]`)).toContainText('33%');
	await expect(asResearcher.locator('section.seen')).toHaveCount(0);
	await expect(asResearcher.locator('section.transfers')).toHaveCount(0);

	const asAdmin = await signedIn(await makeUser('admin'));
	await asAdmin.goto('/');
	await expect(asAdmin.locator('section.transfers')).toBeVisible();
	await expect(asAdmin.locator('section.seen')).toBeVisible();
});
