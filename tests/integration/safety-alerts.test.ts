/**
 * The PHQ-9 item 9 safety alert against a real database (both drivers): raised at save by the
 * database whatever writes the response, the save never refused for it, one alert per response,
 * acknowledged once by a clinician with its audit row.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import type { Db } from '../../src/lib/server/db';
import { auditLog, responses, safetyAlerts } from '../../src/lib/server/db/schema';
import { createPatient } from '../../src/lib/server/patients';
import { recordVisit, saveResponse } from '../../src/lib/server/visits';
import { acknowledgeSafetyAlert, openSafetyAlerts, visitSafetyAlerts } from '../../src/lib/server/safety';
import { driverName, resetDatabase, testDatabase } from './db';
import { makeUser } from './helpers';

let db: Db;
let actor: { id: string };
const phq9 = (item9: number) => ({ instrumentId: 'phq9', answers: { 1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 6: 1, 7: 1, 8: 1, 9: item9 } });

async function patientWithVisit(item9: number | null) {
	const p = await createPatient(db, actor, { clinicRef: `AL-${Math.random().toString(36).slice(2, 8)}`, name: 'Alert', dateOfBirth: '1970-01-01', sex: 'female', conditionCode: 'sle', enrolledOn: '2025-01-01' });
	if (!p.ok) throw new Error(p.message);
	const v = await recordVisit(db, actor, p.value, { visitDate: '2025-02-01', kind: 'treatment', acupunctureSessions: 1, aeAnswer: 'none', note: null }, item9 === null ? [] : [phq9(item9)]);
	if (!v.ok) throw new Error(v.message);
	return { patientId: p.value, visitId: v.value };
}

beforeAll(async () => {
	db = (await testDatabase()).db;
});
beforeEach(async () => {
	await resetDatabase(db);
	actor = await makeUser(db, 'clinician');
});
afterAll(() => resetDatabase(db));

describe(`PHQ-9 item 9 alert (${driverName})`, () => {
	it('raises an alert at save when item 9 is above 0, and the save succeeds', async () => {
		const { patientId, visitId } = await patientWithVisit(2);
		expect(await db.select().from(responses).where(eq(responses.visitId, visitId))).toHaveLength(1);
		const alerts = await db.select().from(safetyAlerts);
		expect(alerts).toHaveLength(1);
		expect(alerts[0]).toMatchObject({ kind: 'phq9_item9', patientId, visitId, value: 2, raisedBy: actor.id, acknowledgedAt: null });
		expect((await openSafetyAlerts(db)).total).toBe(1);
	});
	it('raises none for item 9 at 0 or for other instruments', async () => {
		await patientWithVisit(0);
		await patientWithVisit(null);
		expect(await db.select().from(safetyAlerts)).toHaveLength(0);
	});
	it('raises one when an edit sets item 9 above 0, and no second one on a later edit', async () => {
		const { visitId } = await patientWithVisit(0);
		const edit = async (item9: number, expectedVersion: number) => {
			const r = await saveResponse(db, actor, visitId, phq9(item9), { expectedVersion, reason: 'transcription error' });
			if (!r.ok) throw new Error(r.message);
		};
		await edit(1, 1);
		await edit(3, 2);
		const alerts = await db.select().from(safetyAlerts);
		expect(alerts).toHaveLength(1);
		expect(alerts[0]!.value).toBe(1);
	});
	it('is acknowledged once, with who and when kept and audited; then it is no longer open', async () => {
		const { visitId } = await patientWithVisit(1);
		const [alert] = await db.select().from(safetyAlerts);
		const other = await patientWithVisit(null);
		expect(await acknowledgeSafetyAlert(db, { ...actor, requestId: 'r1' } as never, alert!.id, other.visitId)).toMatchObject({ ok: false });
		expect(await acknowledgeSafetyAlert(db, { ...actor, requestId: 'r1' } as never, alert!.id, visitId)).toEqual({ ok: true });
		expect(await acknowledgeSafetyAlert(db, { ...actor, requestId: 'r2' } as never, alert!.id, visitId)).toMatchObject({ ok: false, message: 'This alert was already acknowledged.' });
		const [shown] = await visitSafetyAlerts(db, visitId);
		expect(shown!.acknowledgedAt).toBeInstanceOf(Date);
		expect(shown!.acknowledgedBy).toBeTruthy();
		expect((await openSafetyAlerts(db)).total).toBe(0);
		const audit = await db.select().from(auditLog).where(and(eq(auditLog.entity, 'safety_alert'), eq(auditLog.entityId, alert!.id)));
		expect(audit).toHaveLength(1);
		expect(audit[0]!.actorId).toBe(actor.id);
	});
});
