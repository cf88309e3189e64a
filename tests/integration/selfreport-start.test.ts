// "Self-report" on a due time point: today's visit reused or recorded once, with its audit row,
// under the visit rules (archived patients, one live visit per date, not before enrolment).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import type { Db } from '../../src/lib/server/db';
import { auditLog, visits } from '../../src/lib/server/db/schema';
import { createPatient, setPatientArchived } from '../../src/lib/server/patients';
import { recordVisit, voidVisit } from '../../src/lib/server/visits';
import { visitForSelfReport } from '../../src/lib/server/selfreport/start';
import { driverName, resetDatabase, testDatabase } from './db';
import { makeUser } from './helpers';

let db: Db;
let clinician: { id: string };
let n = 0;
const ON = '2025-06-02';

async function newPatient(enrolledOn = '2025-01-01') {
	n++;
	const p = await createPatient(db, clinician, { clinicRef: `ST-${n}`, name: `Start Self Report ${n}`, dateOfBirth: '1980-01-01', sex: 'female', conditionCode: 'multiple_sclerosis', enrolledOn });
	if (!p.ok) throw new Error(p.message);
	return p.value;
}

const visitsOf = (patientId: string) => db.select({ id: visits.id, date: visits.visitDate, kind: visits.kind, voided: visits.voided }).from(visits).where(eq(visits.patientId, patientId));
const visitAudit = (visitId: string) => db.select({ action: auditLog.action }).from(auditLog).where(and(eq(auditLog.entity, 'visit'), eq(auditLog.entityId, visitId)));

beforeAll(async () => {
	db = (await testDatabase()).db;
	await resetDatabase(db);
	clinician = await makeUser(db, 'clinician');
});
afterAll(async () => {
	await resetDatabase(db);
});

describe(`starting self-report from a due time point (${driverName})`, () => {
	it('records today’s visit once, with its audit row, and reuses it on the next click', async () => {
		const patientId = await newPatient();
		const first = await visitForSelfReport(db, clinician, patientId, ON, 'follow_up');
		expect(first).toMatchObject({ ok: true, created: true });
		const again = await visitForSelfReport(db, clinician, patientId, ON, 'follow_up');
		expect(again).toEqual({ ok: true, visitId: first.ok && first.visitId, created: false });
		const rows = await visitsOf(patientId);
		expect(rows).toEqual([{ id: first.ok && first.visitId, date: ON, kind: 'follow_up', voided: false }]);
		expect(await visitAudit(rows[0]!.id)).toEqual([{ action: 'create' }]);
	});

	it('a double submit (two requests at once) ends on one visit', async () => {
		const patientId = await newPatient();
		const [a, b] = await Promise.all([visitForSelfReport(db, clinician, patientId, ON, 'baseline'), visitForSelfReport(db, clinician, patientId, ON, 'baseline')]);
		expect(a.ok && b.ok).toBe(true);
		expect(a.ok && a.visitId).toBe(b.ok && b.visitId);
		expect([a.ok && a.created, b.ok && b.created].filter(Boolean)).toHaveLength(1);
		const rows = await visitsOf(patientId);
		expect(rows).toHaveLength(1);
		expect(await visitAudit(rows[0]!.id)).toHaveLength(1);
	});

	it('reuses a visit the clinician already recorded that day, writing nothing', async () => {
		const patientId = await newPatient();
		const made = await recordVisit(db, clinician, patientId, { visitDate: ON, kind: 'treatment', acupunctureSessions: 2, note: null }, []);
		if (!made.ok) throw new Error(made.message);
		expect(await visitForSelfReport(db, clinician, patientId, ON, 'follow_up')).toEqual({ ok: true, visitId: made.value, created: false });
		expect(await visitsOf(patientId)).toEqual([{ id: made.value, date: ON, kind: 'treatment', voided: false }]);
		expect(await visitAudit(made.value)).toHaveLength(1);
	});

	it('a voided visit of that day is not reused: a new one is recorded', async () => {
		const patientId = await newPatient();
		const made = await recordVisit(db, clinician, patientId, { visitDate: ON, kind: 'treatment', acupunctureSessions: 2, note: null }, []);
		if (!made.ok) throw new Error(made.message);
		const voided = await voidVisit(db, clinician, made.value, 1, 'Entered on the wrong patient');
		expect(voided.ok).toBe(true);
		const started = await visitForSelfReport(db, clinician, patientId, ON, 'follow_up');
		expect(started).toMatchObject({ ok: true, created: true });
		expect(started.ok && started.visitId).not.toBe(made.value);
		expect((await visitsOf(patientId)).filter((v) => !v.voided)).toHaveLength(1);
	});

	it('refuses an archived patient, even one with a visit that day, and stores nothing', async () => {
		const patientId = await newPatient();
		const other = await newPatient();
		const made = await recordVisit(db, clinician, other, { visitDate: ON, kind: 'treatment', acupunctureSessions: 2, note: null }, []);
		if (!made.ok) throw new Error(made.message);
		for (const id of [patientId, other]) {
			const archived = await setPatientArchived(db, clinician, id, 1, true, 'Moved away');
			expect(archived.ok).toBe(true);
			expect(await visitForSelfReport(db, clinician, id, ON, 'follow_up')).toEqual({ ok: false, field: 'form', message: 'This patient is archived; restore them first.' });
		}
		expect(await visitsOf(patientId)).toEqual([]);
		expect(await visitsOf(other)).toHaveLength(1);
	});

	it('refuses a day before enrolment and an unknown patient, storing nothing', async () => {
		const patientId = await newPatient('2025-07-01');
		const early = await visitForSelfReport(db, clinician, patientId, ON, 'baseline');
		expect(early).toMatchObject({ ok: false, field: 'form' });
		expect(!early.ok && early.message).toMatch(/before enrolment/);
		expect(await visitsOf(patientId)).toEqual([]);
		expect(await visitForSelfReport(db, clinician, '00000000-0000-4000-8000-000000000000', ON, 'baseline')).toEqual({ ok: false, field: 'patient', message: 'No such patient.' });
		expect(await visitForSelfReport(db, clinician, 'not-a-uuid', ON, 'baseline')).toEqual({ ok: false, field: 'patient', message: 'No such patient.' });
	});
});
