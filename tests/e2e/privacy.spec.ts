import { and, desc, eq } from 'drizzle-orm';
import { auditLog } from '../../src/lib/server/db/schema';
import { addCondition, createPatient } from '../../src/lib/server/patients';
import { recordVisit } from '../../src/lib/server/visits';
import { expect, test } from './fixtures';

// Issue 23 #1: two results one enrolment day apart isolated one patient. Below admin, periods are
// whole quarters; the pair is refused on the page, the APIs and the export, and audited.
test('a researcher cannot subtract two enrolment periods a day apart; an admin may filter by day', async ({ database, makeUser, signedIn }) => {
	const clinician = await makeUser('clinician');
	const actor = { id: clinician.id };
	const tag = `${Date.now()}`;
	const condition = await addCondition(database.db, actor, { code: `pv_${tag}`, label: `Privacy condition ${tag}` });
	if (!condition.ok) throw new Error(condition.message);
	// Five patients enrolled in 2024 Q1, and one alone on 2024-08-09 (k = 5).
	for (const [i, enrolledOn] of ['2024-02-01', '2024-02-01', '2024-02-01', '2024-02-01', '2024-02-01', '2024-08-09'].entries()) {
		const p = await createPatient(database.db, actor, { clinicRef: `PV-${tag}-${i}`, name: `Private ${i}`, dateOfBirth: '1980-03-03', sex: 'female', conditionCode: condition.value, enrolledOn });
		if (!p.ok) throw new Error(p.message);
		for (const [offset, pain] of [[0, 7], [14, 4 + (i % 3)]] as const) {
			const visitDate = new Date(Date.parse(enrolledOn) + offset * 86_400_000).toISOString().slice(0, 10);
			const v = await recordVisit(database.db, actor, p.value, { visitDate, kind: 'treatment', acupunctureSessions: 1, flare: 'no', note: null }, [{ instrumentId: 'pain_nrs', answers: { pain } }]);
			if (!v.ok) throw new Error(v.message);
		}
	}
	const researcher = await makeUser('researcher');
	const page = await signedIn(researcher);
	const trend = (to: string) => `/api/cohort/trend?instrument=pain_nrs&scale=score&conditions=${condition.value}&from=2023-01-01&to=${to}`;

	// The pair through the API: both refused, naming the field.
	for (const to of ['2024-08-08', '2024-08-09']) {
		const response = await page.request.get(trend(to));
		expect(response.status()).toBe(400);
		const body = await response.json();
		expect(body.message).toMatch(/^to: Choose a whole quarter/);
		expect(body.errors).toEqual({ to: expect.stringMatching(/31 March, 30 June, 30 September or 31 December/) });
	}
	// Whole quarters are allowed, and the lone patient's quarter next to an edge withholds the points.
	const edge = await (await page.request.get(trend('2024-06-30'))).json();
	expect(edge.series).toEqual([{ condition: condition.value, points: [] }]);
	const open = await (await page.request.get(`/api/cohort/trend?instrument=pain_nrs&scale=score&conditions=${condition.value}&from=2024-01-01`)).json();
	expect(open.series[0].points.map((p: { x: number; n: number }) => [p.x, p.n])).toEqual([[1, 6], [2, 6]]);

	// The same pair through the export and its preview.
	const exported = await page.request.get(`/api/export.csv?instruments=pain_nrs&conditions=${condition.value}&from=2023-01-01&to=2024-08-09`);
	expect(exported.status()).toBe(400);
	expect((await exported.json()).errors).toEqual({ to: expect.any(String) });
	await page.goto(`/export?instruments=pain_nrs&conditions=${condition.value}&from=2023-01-01&to=2024-08-09&pseudonyms=stable&k=5`);
	await expect(page.getByRole('combobox', { name: 'to', exact: true })).toHaveValue('2024-08-09');
	await expect(page.locator('#period-to-error')).toContainText('Choose a whole quarter');
	await expect(page.getByRole('heading', { name: 'Privacy preview' })).toHaveCount(0);
	await page.getByRole('combobox', { name: 'to', exact: true }).selectOption({ label: '2024 Q4 (Oct–Dec)' });
	await page.getByRole('button', { name: 'Preview' }).click();
	await expect(page.getByTestId('patients')).toHaveText('6');

	// The cohort page offers quarters, not days; a day-precise link is refused at its field.
	await page.goto(`/cohort?instrument=pain_nrs&conditions=${condition.value}&from=2023-01-01&to=2024-08-09`);
	await expect(page.locator('input[type="date"]')).toHaveCount(0);
	const to = page.getByRole('combobox', { name: 'to', exact: true });
	await expect(to).toHaveValue('2024-08-09');
	await expect(to).toHaveAttribute('aria-invalid', 'true');
	await expect(page.locator('#period-to-error')).toContainText('31 March, 30 June, 30 September or 31 December');
	await expect(page.locator('table.aggregates')).toHaveCount(0);
	await to.selectOption({ label: 'latest' });
	await expect(page).toHaveURL(/to=(&|$)/);
	await page.getByRole('combobox', { name: 'Enrolled from' }).selectOption({ label: '2024 Q1 (Jan–Mar)' });
	await expect(page).toHaveURL(/from=2024-01-01/);
	await expect(page.locator('table.aggregates tbody tr').first()).toContainText('6');

	// Every one of these was audited with who and the filters, the refusals too.
	const rows = await database.db.select().from(auditLog).where(and(eq(auditLog.actorId, researcher.id), eq(auditLog.entity, 'cohort'))).orderBy(desc(auditLog.id));
	const asked = rows.map((r) => r.after as { via: string; filters: { enrolledFrom: string | null; enrolledTo: string | null }; refused?: object });
	expect(asked.filter((a) => a.via === 'api' && a.filters.enrolledTo === '2024-08-09' && a.refused)).toHaveLength(1);
	expect(asked.some((a) => a.via === 'page' && a.filters.enrolledFrom === '2024-01-01' && !a.refused)).toBe(true);
	const previews = await database.db.select().from(auditLog).where(and(eq(auditLog.actorId, researcher.id), eq(auditLog.entity, 'export'))).orderBy(desc(auditLog.id));
	expect(previews.map((r) => r.action)).toEqual(['preview', 'refused', 'refused']);
	expect(previews[0]!.after).toMatchObject({ filters: { conditions: [condition.value], enrolledTo: '2024-12-31' }, patients: 6 });

	// An administrator keeps day-precise periods: the pair is answered, with date inputs on the page.
	const admin = await signedIn(await makeUser('admin'));
	const [before, after] = await Promise.all(['2024-08-08', '2024-08-09'].map(async (day) => (await admin.request.get(trend(day))).json()));
	expect(before.series[0].points.map((p: { n: number }) => p.n)).toEqual([5, 5]);
	expect(after.series[0].points.map((p: { n: number }) => p.n)).toEqual([6, 6]);
	await admin.goto('/cohort');
	await expect(admin.getByLabel('Enrolled from')).toHaveAttribute('type', 'date');
});
