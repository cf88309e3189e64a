/**
 * axe-core (WCAG 2.0/2.1/2.2 A and AA rules) on every page each role can open, with data on it,
 * and on the states a user meets after a refused form. 0 violations is the bar.
 */
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { createPatient } from '../../src/lib/server/patients';
import { patientVisits, recordVisit } from '../../src/lib/server/visits';
import { getImport, saveMapping, uploadImport } from '../../src/lib/server/import';
import { expect, test } from './fixtures';

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/** The violations on the page as it stands: rule, impact and the first few elements. */
async function violations(page: Page): Promise<string[]> {
	const result = await new AxeBuilder({ page }).withTags(TAGS).analyze();
	return result.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
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
	// About 15 pages, each analysed in 2–4 s on a busy 2-core machine.
	test.setTimeout(240_000);
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

	expect(found).toEqual({});
});

test('the sign-in page, and every page a researcher or an admin opens, pass axe-core', async ({ makeUser, signedIn, page }) => {
	test.setTimeout(180_000);
	const found: Record<string, string[]> = {};
	await check(page, '/login', found);
	const clinician = await makeUser('clinician');
	const asResearcher = await signedIn(await makeUser('researcher'));
	for (const path of ['/', '/account', '/cohort?instrument=fss9&scale=mean', '/export']) await check(asResearcher, path, found);
	const asAdmin = await signedIn(await makeUser('admin'));
	for (const path of ['/', '/admin/users', `/admin/users/${clinician.id}`, '/admin/conditions', '/admin/audit', '/admin/security']) await check(asAdmin, path, found);
	expect(found).toEqual({});
});
