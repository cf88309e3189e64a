import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { desc, eq } from 'drizzle-orm';
import { auditLog } from '../../src/lib/server/db/schema';
import { addCondition, createPatient } from '../../src/lib/server/patients';
import { recordVisit } from '../../src/lib/server/visits';
import { recordAdverseEvent, recordFlare } from '../../src/lib/server/safety';
import { expect, test } from './fixtures';

test('a researcher previews and downloads an anonymised export, which is audited with its hash', async ({ database, makeUser, signedIn, playwright, baseURL }) => {
	const clinician = await makeUser('clinician');
	const actor = { id: clinician.id };
	const tag = `${Date.now()}`;
	const condition = await addCondition(database.db, actor, { code: `x_${tag}`, label: `Export condition ${tag}` });
	if (!condition.ok) throw new Error(condition.message);
	const ids: string[] = [];
	for (let i = 0; i < 6; i++) {
		const p = await createPatient(database.db, actor, {
			clinicRef: `EX-${tag}-${i}`, name: `Hidden Person ${i}`, dateOfBirth: '1980-03-03', sex: 'female', conditionCode: condition.value, enrolledOn: '2025-01-01'
		});
		if (!p.ok) throw new Error(p.message);
		ids.push(p.value);
		for (const [date, pain] of [['2025-01-06', 7], ['2025-01-27', 4]] as const) {
			await recordVisit(database.db, actor, p.value, { visitDate: date, kind: 'treatment', acupunctureSessions: 1, flare: 'no', note: 'private note' }, [{ instrumentId: 'pain_nrs', answers: { pain } }]);
		}
	}
	// For the events file: a flare of the first patient (day 7, ongoing) and an adverse event of the second (day 2).
	const flare = await recordFlare(database.db, actor, ids[0]!, { onsetOn: '2025-01-13', endedOn: null, severity: 'moderate', triggers: ['stress'], treatmentChanged: false, note: 'private flare note' });
	if (!flare.ok) throw new Error(flare.message);
	const event = await recordAdverseEvent(database.db, actor, ids[1]!, {
		onsetOn: '2025-01-08', visitId: null, categoryCode: 'other', categoryDetail: 'private detail', severity: 'mild', serious: false, seriousCriteria: [], relatedness: 'possible', actionTaken: 'none', outcome: 'recovered', resolvedOn: '2025-01-10', note: 'private event note'
	});
	if (!event.ok) throw new Error(event.message);
	const researcher = await makeUser('researcher');
	const page = await signedIn(researcher);
	await page.goto('/export');
	await page.getByLabel('Pain NRS', { exact: true }).check();
	await page.getByLabel(`Export condition ${tag}`).check();
	await page.getByLabel('Include item answers').check();
	await page.getByRole('button', { name: 'Preview' }).click();
	await expect(page.getByTestId('rows')).toHaveText('12');
	await expect(page.getByTestId('patients')).toHaveText('6');

	const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download CSV' }).click()]);
	const bytes = fs.readFileSync((await download.path())!);
	const text = bytes.toString('utf8');
	const lines = text.trim().split('\r\n');
	expect(lines[0]).toBe('pseudonym,condition,sex,age_band,visit_number,days_since_baseline,visit_kind,acupuncture_sessions,flare,instrument,instrument_version,scale,score,source,pain_nrs__pain');
	expect(lines).toHaveLength(13);
	expect(lines[1]).toMatch(new RegExp(`^[0-9a-f]{64},x_${tag},female,40-44,1,0,treatment,1,no,pain_nrs,0-10,score,7,clinician,7$`));
	expect(text).not.toMatch(/Hidden Person|EX-|1980-|2025-|private note/);

	const [row] = await database.db.select().from(auditLog).where(eq(auditLog.action, 'export')).orderBy(desc(auditLog.id)).limit(1);
	expect(row).toMatchObject({ actorId: researcher.id, entity: 'export' });
	expect(row!.after).toMatchObject({ rows: 12, patients: 6, sha256: createHash('sha256').update(bytes).digest('hex') });

	// The events file beside it: the same patients under the same pseudonyms, days and codes only.
	const [eventsDownload] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download events CSV' }).click()]);
	const eventBytes = fs.readFileSync((await eventsDownload.path())!);
	const eventLines = eventBytes.toString('utf8').trim().split('\r\n');
	expect(eventLines[0]).toBe('pseudonym,record,days_since_baseline,category,severity,serious,seriousness_criteria,relatedness,action_taken,outcome,days_to_end,ongoing,triggers,treatment_changed');
	expect(eventLines.slice(1).map((l) => l.slice(65)).sort()).toEqual(['adverse_event,2,other,mild,no,,possible,none,recovered,2,,,', 'flare,7,,moderate,,,,,,,yes,stress,no']);
	const mainNames = new Set(lines.slice(1).map((l) => l.split(',')[0]));
	for (const l of eventLines.slice(1)) expect(mainNames.has(l.split(',')[0])).toBe(true);
	expect(eventBytes.toString('utf8')).not.toMatch(/Hidden Person|EX-|1980-|2025-|private/);
	const [eventsRow] = await database.db.select().from(auditLog).where(eq(auditLog.action, 'export')).orderBy(desc(auditLog.id)).limit(1);
	expect(eventsRow!.after).toMatchObject({ file: 'events', rows: 2, patients: 6, sha256: createHash('sha256').update(eventBytes).digest('hex') });

	// The same export from a script with a personal API token: identical bytes, audited again.
	await page.goto('/account');
	await page.getByLabel('New token name').fill('R analysis');
	await page.getByRole('button', { name: 'Create token' }).click();
	const token = (await page.getByTestId('new-token').textContent())!.trim();
	const query = new URL(download.url()).search;
	const script = await playwright.request.newContext({ baseURL: baseURL! });
	const viaApi = await script.get(`/api/export.csv${query}`, { headers: { Authorization: `Bearer ${token}` } });
	expect(viaApi.status()).toBe(200);
	expect(Buffer.from(await viaApi.body()).equals(bytes)).toBe(true);
	const eventsViaApi = await script.get(`/api/export-events.csv${query}`, { headers: { Authorization: `Bearer ${token}` } });
	expect(Buffer.from(await eventsViaApi.body()).equals(eventBytes)).toBe(true);
	expect((await script.get(`/api/export.csv${query}`)).status()).toBe(401);
	expect((await script.get('/export', { headers: { Authorization: `Bearer ${token}` }, maxRedirects: 0 })).status()).toBe(303);
	await page.getByRole('button', { name: 'Revoke R analysis' }).click();
	await expect(page.getByRole('cell', { name: 'revoked' })).toBeVisible();
	expect((await script.get(`/api/export.csv${query}`, { headers: { Authorization: `Bearer ${token}` } })).status()).toBe(401);
	await script.dispose();
	await page.goto(`/export${query}`);

	const [codebook] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: /codebook/ }).click()]);
	const book = fs.readFileSync((await codebook.path())!, 'utf8');
	expect(book).toContain('| pseudonym |');
	expect(book).toContain('## Events file (outcome-tracker-events.csv)');
});
