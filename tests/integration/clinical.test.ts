import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../src/lib/server/db';
import { auditLog, instrumentScales, patients, responses, responseScores, visits } from '../../src/lib/server/db/schema';
import { createPatient, listPatients, setPatientArchived, updatePatient } from '../../src/lib/server/patients';
import { patientVisits, recordVisit, saveResponse, updateVisit, voidVisit } from '../../src/lib/server/visits';
import { verifyAuditChain } from '../../src/lib/server/audit';
import { isCheckViolation } from '../../src/lib/server/errors';
import { INSTRUMENTS } from '../../src/lib/instruments';
import type { PatientInput, VisitInput } from '../../src/lib/validation/clinical';
import { driverName, resetDatabase, testDatabase } from './db';
import { makeUser } from './helpers';

let db: Db;
let actor: { id: string };

const patient = (over: Partial<PatientInput> = {}): PatientInput => ({
	clinicRef: 'AC-001',
	name: 'Test Patient',
	dateOfBirth: '1970-05-01',
	sex: 'female',
	conditionCode: 'multiple_sclerosis',
	enrolledOn: '2025-01-10',
	...over
});
const visit = (over: Partial<VisitInput> = {}): VisitInput => ({
	visitDate: '2025-01-10',
	kind: 'baseline',
	acupunctureSessions: 0,
	flare: 'no',
	note: null,
	...over
});
const fss = (v: number) => ({ instrumentId: 'fss9', answers: Object.fromEntries(Array.from({ length: 9 }, (_, i) => [String(i + 1), v])) });
const nrs = (v: number | null) => ({ instrumentId: 'pain_nrs', answers: { pain: v } });

async function newPatient(over: Partial<PatientInput> = {}) {
	const r = await createPatient(db, actor, patient(over));
	if (!r.ok) throw new Error(r.message);
	return r.value;
}
const count = async (table: typeof visits | typeof responses | typeof auditLog | typeof responseScores) =>
	((await db.select({ n: sql<number>`count(*)::int` }).from(table)) as [{ n: number }])[0].n;

beforeAll(async () => {
	db = (await testDatabase()).db;
});
beforeEach(async () => {
	await resetDatabase(db);
	actor = await makeUser(db, 'clinician');
});
afterAll(() => resetDatabase(db));

describe(`patients (${driverName})`, () => {
	it('creates a patient with an audit row, and refuses a duplicate reference in any case', async () => {
		const id = await newPatient();
		const dup = await createPatient(db, actor, patient({ clinicRef: 'ac-001', name: 'Other' }));
		expect(dup).toMatchObject({ ok: false, field: 'clinicRef' });
		const rows = await db.select().from(auditLog).where(eq(auditLog.entityId, id));
		expect(rows).toHaveLength(1);
		expect(rows[0]).toMatchObject({ action: 'create', entity: 'patient', actorId: actor.id });
	});

	it('keeps the first save and reports a conflict to the second editor', async () => {
		const id = await newPatient();
		const first = await updatePatient(db, actor, id, 1, patient({ name: 'Renamed One' }), 'typo in name');
		const second = await updatePatient(db, actor, id, 1, patient({ name: 'Renamed Two' }), 'another typo');
		expect(first.ok).toBe(true);
		expect(second).toMatchObject({ ok: false, field: 'conflict', current: { name: 'Renamed One', version: 2 } });
		const [row] = await db.select().from(patients).where(eq(patients.id, id));
		expect(row).toMatchObject({ name: 'Renamed One', version: 2 });
		const [audit] = await db.select().from(auditLog).where(eq(auditLog.action, 'update'));
		expect(audit).toMatchObject({ reason: 'typo in name', before: expect.objectContaining({ name: 'Test Patient' }), after: expect.objectContaining({ name: 'Renamed One' }) });
	});

	it('archives instead of deleting, and lists, searches, filters and pages', async () => {
		const a = await newPatient({ clinicRef: 'A-1', name: 'Alice Example' });
		await newPatient({ clinicRef: 'B-2', name: 'Bob Example', conditionCode: 'rheumatoid_arthritis' });
		await newPatient({ clinicRef: 'C-3', name: 'Carol 100%' });
		await recordVisit(db, actor, a, visit({ visitDate: '2025-01-10' }), []);
		const v2 = await recordVisit(db, actor, a, visit({ visitDate: '2025-02-10', kind: 'treatment' }), []);
		if (!v2.ok) throw new Error('visit');
		await voidVisit(db, actor, v2.value, 1, 'entered twice');

		const all = await listPatients(db, {});
		expect(all.total).toBe(3);
		expect(all.rows[0]).toMatchObject({ clinicRef: 'A-1', visitCount: 1, lastVisit: '2025-01-10' });
		expect((await listPatients(db, { q: 'bob' })).rows.map((r) => r.clinicRef)).toEqual(['B-2']);
		expect((await listPatients(db, { q: '100%' })).rows.map((r) => r.clinicRef)).toEqual(['C-3']);
		expect((await listPatients(db, { q: '%' })).rows.map((r) => r.clinicRef)).toEqual(['C-3']);
		expect((await listPatients(db, { condition: 'rheumatoid_arthritis' })).total).toBe(1);
		const page2 = await listPatients(db, { pageSize: 2, page: 2 });
		expect(page2.rows).toHaveLength(1);

		expect((await setPatientArchived(db, actor, a, 1, true, 'moved away')).ok).toBe(true);
		expect((await listPatients(db, {})).total).toBe(2);
		expect((await listPatients(db, { archived: true })).rows.map((r) => r.clinicRef)).toEqual(['A-1']);
		expect(await db.select().from(patients)).toHaveLength(3);
	});
});

describe(`visits and responses (${driverName})`, () => {
	it('saves a visit with several instruments in one transaction, scored on the server', async () => {
		const id = await newPatient();
		const before = await count(auditLog);
		const r = await recordVisit(db, actor, id, visit(), [fss(4), nrs(6)]);
		expect(r.ok).toBe(true);
		const [v] = await patientVisits(db, id);
		expect(v!.responses.map((x) => [x.instrumentId, x.scores])).toEqual([
			['fss9', { mean: 4, sum: 36 }],
			['pain_nrs', { score: 6 }]
		]);
		expect((await count(auditLog)) - before).toBe(3);
		expect((await verifyAuditChain(db)).intact).toBe(true);
	});

	it('stores nothing when one instrument is invalid, and says which item', async () => {
		const id = await newPatient();
		const before = await count(auditLog);
		const bad = fss(4);
		bad.answers['3'] = 9;
		const r = await recordVisit(db, actor, id, visit(), [nrs(5), bad]);
		expect(r).toMatchObject({ ok: false, field: 'instruments' });
		if (r.ok || !('instrumentErrors' in r)) throw new Error('expected instrument errors');
		expect(r.instrumentErrors.fss9?.some((e) => e.item === '3')).toBe(true);
		expect(await count(visits)).toBe(0);
		expect(await count(responses)).toBe(0);
		expect(await count(auditLog)).toBe(before);
	});

	it('refuses a visit for a patient that does not exist, or is archived, storing nothing', async () => {
		expect(await recordVisit(db, actor, '00000000-0000-4000-8000-000000000000', visit(), [nrs(4)])).toMatchObject({ ok: false, field: 'patient' });
		const id = await newPatient();
		expect((await setPatientArchived(db, actor, id, 1, true, 'moved away')).ok).toBe(true);
		expect(await recordVisit(db, actor, id, visit(), [nrs(4)])).toMatchObject({ ok: false, field: 'form' });
		expect(await count(visits)).toBe(0);
		expect(await count(responses)).toBe(0);
	});

	it('refuses a visit before enrolment, at the field', async () => {
		const id = await newPatient();
		const r = await recordVisit(db, actor, id, visit({ visitDate: '2024-12-31' }), []);
		expect(r).toMatchObject({ ok: false, field: 'visitDate' });
		expect(await count(visits)).toBe(0);
	});

	it('names the field of a rule only the database checked (the form checks them first)', async () => {
		const id = await newPatient();
		const future = new Date(Date.now() + 40 * 86_400_000).toISOString().slice(0, 10);
		expect(await recordVisit(db, actor, id, visit({ visitDate: future }), [])).toMatchObject({ ok: false, field: 'visitDate' });
		expect(await recordVisit(db, actor, id, visit({ acupunctureSessions: 500 }), [])).toMatchObject({ ok: false, field: 'acupunctureSessions' });
		expect(await recordVisit(db, actor, id, visit({ note: 'x'.repeat(4001) }), [])).toMatchObject({ ok: false, field: 'note' });
		expect(await count(visits)).toBe(0);
	});

	it('keeps the old answers in the audit row when a response is corrected, and detects a stale edit', async () => {
		const id = await newPatient();
		const r = await recordVisit(db, actor, id, visit(), [nrs(6)]);
		if (!r.ok) throw new Error('visit');
		expect(await saveResponse(db, actor, r.value, nrs(3), null)).toMatchObject({ ok: false, field: 'instruments' });
		expect((await saveResponse(db, actor, r.value, nrs(4), { expectedVersion: 1, reason: 'misread the form' })).ok).toBe(true);
		const stale = await saveResponse(db, actor, r.value, nrs(2), { expectedVersion: 1, reason: 'late edit' });
		expect(stale).toMatchObject({ ok: false, field: 'conflict', current: { answers: { pain: 4 }, scores: { score: 4 }, version: 2 } });
		const [edit] = await db.select().from(auditLog).where(eq(auditLog.action, 'update'));
		expect(edit).toMatchObject({
			entity: 'response',
			reason: 'misread the form',
			before: { instrumentId: 'pain_nrs', answers: { pain: 6 }, scores: { score: 6 } },
			after: { instrumentId: 'pain_nrs', answers: { pain: 4 }, scores: { score: 4 } }
		});
		const [v] = await patientVisits(db, id);
		expect(v!.responses[0]!.scores).toEqual({ score: 4 });
	});

	it('voids with a reason instead of deleting, and edits the visit with optimistic locking', async () => {
		const id = await newPatient();
		const r = await recordVisit(db, actor, id, visit(), []);
		if (!r.ok) throw new Error('visit');
		expect((await updateVisit(db, actor, r.value, 1, { acupunctureSessions: 2 }, 'count corrected')).ok).toBe(true);
		expect(await updateVisit(db, actor, r.value, 1, { acupunctureSessions: 3 }, 'stale')).toMatchObject({ field: 'conflict' });
		expect((await voidVisit(db, actor, r.value, 2, 'wrong patient')).ok).toBe(true);
		const [row] = await db.select().from(visits).where(eq(visits.id, r.value));
		expect(row).toMatchObject({ voided: true, voidReason: 'wrong patient', acupunctureSessions: 2, version: 3 });
	});
});

describe(`the database repeats the rules (${driverName})`, () => {
	it.each([
		['a visit before enrolment', sql`insert into visits (patient_id, visit_date, kind, acupuncture_sessions) select id, '2024-01-01', 'baseline', 0 from patients`],
		['a visit in the future', sql`insert into visits (patient_id, visit_date, kind, acupuncture_sessions) select id, current_date + 30, 'baseline', 0 from patients`],
		['negative acupuncture sessions', sql`insert into visits (patient_id, visit_date, kind, acupuncture_sessions) select id, '2025-02-01', 'baseline', -1 from patients`],
		['an unknown visit kind', sql`insert into visits (patient_id, visit_date, kind, acupuncture_sessions) select id, '2025-02-01', 'house call', 0 from patients`],
		['a void without a reason', sql`insert into visits (patient_id, visit_date, kind, acupuncture_sessions, voided) select id, '2025-02-01', 'baseline', 0, true from patients`],
		['enrolment before birth', sql`update patients set enrolled_on = '1960-01-01'`],
		['an unknown condition', sql`update patients set condition_code = 'flu'`]
	])('refuses %s', async (_label, statement) => {
		await newPatient();
		await expect(db.execute(statement)).rejects.toThrow();
		expect(await count(visits)).toBe(0);
	});

	it('refuses a stored score outside its scale, or for a scale the instrument lacks', async () => {
		const id = await newPatient();
		const r = await recordVisit(db, actor, id, visit(), [nrs(6)]);
		if (!r.ok) throw new Error('visit');
		await expect(db.execute(sql`update response_scores set value = 11`)).rejects.toThrow();
		await expect(db.execute(sql`update response_scores set scale = 'mean'`)).rejects.toThrow();
		await expect(db.execute(sql`insert into responses (visit_id, instrument_id, instrument_version, scoring_version, answers) values (${r.value}, 'pain_nrs', '1', '1', '{}')`)).rejects.toThrow();
		expect((await db.select().from(responseScores))[0]!.value).toBe(6);
	});

	it('checks every row of a many-row statement, and only moved visits on update', async () => {
		const id = await newPatient();
		const r = await recordVisit(db, actor, id, visit(), [nrs(6), fss(4)]);
		if (!r.ok) throw new Error('visit');
		const refusal = (statement: ReturnType<typeof sql>) => db.execute(statement).then(() => null, (err: unknown) => err);
		// One bad score among several: the whole statement is refused as a CHECK, nothing changes.
		expect(isCheckViolation(await refusal(sql`update response_scores set value = case when instrument_id = 'fss9' then 8 else value end`))).toBe(true);
		await db.execute(sql`insert into responses (visit_id, instrument_id, instrument_version, scoring_version, answers) values (${r.value}, 'who5', '1', '1', '{}')`);
		expect(isCheckViolation(await refusal(sql`insert into response_scores (response_id, instrument_id, scale, value) select id, 'who5', x.scale, x.v from responses, (values ('raw', 10), ('percentage', 101)) x(scale, v) where instrument_id = 'who5'`))).toBe(true);
		expect((await db.select().from(responseScores)).map((s) => s.value).sort((a, b) => a! - b!)).toEqual([4, 6, 36]);
		// A visit moved before enrolment or into the future is refused; voiding an old one is not.
		expect(isCheckViolation(await refusal(sql`update visits set visit_date = '2024-12-31'`))).toBe(true);
		expect(isCheckViolation(await refusal(sql`update visits set visit_date = current_date + 30`))).toBe(true);
		await db.execute(sql`update visits set voided = true, void_reason = 'test'`);
		expect((await db.select().from(visits))[0]).toMatchObject({ visitDate: '2025-01-10', voided: true });
	});

	it('knows the range of every scale in the instrument registry', async () => {
		const stored = await db.select().from(instrumentScales);
		const expected = INSTRUMENTS.flatMap((d) => d.scales.map((s) => ({ instrumentId: d.id, scale: s.key, min: s.min, max: s.max })));
		const key = (x: { instrumentId: string; scale: string }) => `${x.instrumentId}/${x.scale}`;
		expect([...stored].sort((a, b) => key(a).localeCompare(key(b)))).toEqual([...expected].sort((a, b) => key(a).localeCompare(key(b))));
	});
});
