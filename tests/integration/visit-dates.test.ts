/**
 * One live visit per patient per date (issue 22): the form's rule, the database's unique index
 * (visits_one_live_per_date, migration 0014) and the upgrade of a database that already holds two.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import { executeRows, type Db } from '../../src/lib/server/db';
import { auditLog, visits } from '../../src/lib/server/db/schema';
import { createPatient, setPatientArchived } from '../../src/lib/server/patients';
import { recordVisit, restoreVisit, updateVisit, voidVisit, SAME_DATE } from '../../src/lib/server/visits';
import { settleUpgradeVoids, UPGRADE_VOID_REASON } from '../../src/lib/server/visits/upgrade';
import { ensureRollups } from '../../src/lib/server/cohort/rollup';
import { verifyAuditChain } from '../../src/lib/server/audit';
import type { VisitInput } from '../../src/lib/validation/clinical';
import { driverName, resetDatabase, testDatabase } from './db';
import { makeUser } from './helpers';

let db: Db;
let actor: { id: string };
let patientId: string;

const visit = (over: Partial<VisitInput> = {}): VisitInput => ({ visitDate: '2025-02-01', kind: 'treatment', acupunctureSessions: 1, flare: 'no', note: null, ...over });
const fss = (v: number) => ({ instrumentId: 'fss9', answers: Object.fromEntries(Array.from({ length: 9 }, (_, i) => [String(i + 1), v])) });
const liveOn = async (date: string) =>
	(await db.select({ id: visits.id }).from(visits).where(and(eq(visits.patientId, patientId), eq(visits.visitDate, date), eq(visits.voided, false)))).length;

beforeAll(async () => {
	db = (await testDatabase()).db;
});
beforeEach(async () => {
	await resetDatabase(db);
	actor = await makeUser(db, 'clinician');
	const p = await createPatient(db, actor, { clinicRef: 'D-1', name: 'Date Patient', dateOfBirth: '1970-01-01', sex: 'female', conditionCode: 'multiple_sclerosis', enrolledOn: '2025-01-01' });
	if (!p.ok) throw new Error(p.message);
	patientId = p.value;
});
afterAll(() => resetDatabase(db));

describe(`one visit per patient per date (${driverName})`, () => {
	it('refuses a second visit on the same date, naming the first, and stores nothing', async () => {
		const first = await recordVisit(db, actor, patientId, visit(), [fss(4)]);
		expect(first.ok).toBe(true);
		const audits = (await db.select().from(auditLog)).length;
		const second = await recordVisit(db, actor, patientId, visit({ kind: 'follow_up' }), [fss(5)]);
		expect(second).toEqual({ ok: false, field: 'visitDate', message: SAME_DATE, existingVisitId: first.ok ? first.value : '' });
		expect(await liveOn('2025-02-01')).toBe(1);
		expect((await db.select().from(auditLog)).length).toBe(audits);
		// With answers that need correcting too, the date is still named first.
		const both = await recordVisit(db, actor, patientId, visit(), [{ instrumentId: 'fss9', answers: { '1': 9 } }]);
		expect(both).toMatchObject({ ok: false, field: 'visitDate', message: SAME_DATE });
	});

	it('lets two saves race: exactly one is stored, the other is told about it', async () => {
		const results = await Promise.all([recordVisit(db, actor, patientId, visit(), [fss(3)]), recordVisit(db, actor, patientId, visit(), [fss(3)])]);
		expect(results.filter((r) => r.ok)).toHaveLength(1);
		expect(results.filter((r) => !r.ok)).toMatchObject([{ field: 'visitDate', message: SAME_DATE }]);
		expect(await liveOn('2025-02-01')).toBe(1);
	});

	it('allows the date again once the visit on it is voided; a move onto a taken date is refused', async () => {
		const a = await recordVisit(db, actor, patientId, visit(), [fss(4)]);
		if (!a.ok) throw new Error(a.message);
		expect((await voidVisit(db, actor, a.value, 1, 'entered on the wrong patient')).ok).toBe(true);
		const b = await recordVisit(db, actor, patientId, visit(), [fss(5)]);
		expect(b.ok).toBe(true);
		const c = await recordVisit(db, actor, patientId, visit({ visitDate: '2025-02-08' }), []);
		if (!c.ok || !b.ok) throw new Error('not saved');
		const moved = await updateVisit(db, actor, c.value, 1, { visitDate: '2025-02-01' }, 'typo');
		expect(moved).toEqual({ ok: false, field: 'visitDate', message: SAME_DATE, existingVisitId: b.value });
		// Saving a visit with its own date unchanged is not a clash with itself.
		expect((await updateVisit(db, actor, c.value, 1, { visitDate: '2025-02-08', acupunctureSessions: 2 }, 'count')).ok).toBe(true);
	});

	it('restores a voided visit with a reason, audited, unless its date is taken again or the patient is archived', async () => {
		const a = await recordVisit(db, actor, patientId, visit(), [fss(4)]);
		if (!a.ok) throw new Error(a.message);
		expect((await voidVisit(db, actor, a.value, 1, 'thought it a duplicate')).ok).toBe(true);
		const b = await recordVisit(db, actor, patientId, visit(), [fss(5)]);
		if (!b.ok) throw new Error(b.message);
		// The date holds another live visit: refused, named, nothing changed.
		expect(await restoreVisit(db, actor, a.value, 2, 'was not a duplicate')).toEqual({ ok: false, field: 'visitDate', message: SAME_DATE, existingVisitId: b.value });
		expect((await voidVisit(db, actor, b.value, 1, 'the real duplicate')).ok).toBe(true);
		// Archived: refused as manual entry refuses a new visit.
		expect((await setPatientArchived(db, actor, patientId, 1, true, 'moved away')).ok).toBe(true);
		expect(await restoreVisit(db, actor, a.value, 2, 'was not a duplicate')).toMatchObject({ ok: false, field: 'form', message: expect.stringContaining('archived') });
		expect(await liveOn('2025-02-01')).toBe(0);
		expect((await setPatientArchived(db, actor, patientId, 2, false, 'back')).ok).toBe(true);
		expect(await restoreVisit(db, actor, a.value, 2, 'was not a duplicate')).toEqual({ ok: true });
		expect(await liveOn('2025-02-01')).toBe(1);
		const [row] = await db.select().from(visits).where(eq(visits.id, a.value));
		expect(row).toMatchObject({ voided: false, voidReason: null, version: 3 });
		const audit = await db.select().from(auditLog).where(and(eq(auditLog.entity, 'visit'), eq(auditLog.entityId, a.value), eq(auditLog.action, 'restore')));
		expect(audit).toHaveLength(1);
		expect(audit[0]).toMatchObject({ reason: 'was not a duplicate', before: expect.objectContaining({ voided: true, voidReason: 'thought it a duplicate' }), after: expect.objectContaining({ voided: false }) });
		// A stale version is refused (optimistic locking).
		expect((await restoreVisit(db, actor, a.value, 2, 'again')).ok).toBe(false);
	});

	it('is enforced by the database when the app is bypassed', async () => {
		const a = await recordVisit(db, actor, patientId, visit(), []);
		expect(a.ok).toBe(true);
		const insert = db.execute(sql`insert into visits (id, patient_id, visit_date, kind, acupuncture_sessions, flare) values (gen_random_uuid(), ${patientId}::uuid, '2025-02-01', 'treatment', 0, 'no')`);
		await expect(insert).rejects.toMatchObject({ cause: { code: '23505' } });
	});

	it('upgrades a database holding two visits on one date: the later is voided with an audit row, the rollup rebuilt', async () => {
		const a = await recordVisit(db, actor, patientId, visit(), [fss(2)]);
		if (!a.ok) throw new Error(a.message);
		// The database as an older version left it: no index, two live visits on one date.
		await db.execute(sql`drop index visits_one_live_per_date`);
		try {
			const b = await recordVisit(db, actor, patientId, visit({ kind: 'follow_up' }), [fss(6)]);
			if (!b.ok) throw new Error(b.message);
			const migration = fs.readFileSync(path.resolve('drizzle/0014_one_visit_per_date.sql'), 'utf8');
			for (const statement of migration.split('--> statement-breakpoint')) await db.execute(sql.raw(statement));
			const [kept] = await db.select().from(visits).where(eq(visits.id, a.value));
			const [voided] = await db.select().from(visits).where(eq(visits.id, b.value));
			expect(kept!.voided).toBe(false);
			expect(voided).toMatchObject({ voided: true, voidReason: UPGRADE_VOID_REASON, version: 2 });

			expect(await settleUpgradeVoids(db)).toBe(1);
			expect(await settleUpgradeVoids(db)).toBe(0);
			const rows = await db.select().from(auditLog).where(and(eq(auditLog.entityId, b.value), eq(auditLog.action, 'void')));
			expect(rows).toHaveLength(1);
			expect(rows[0]).toMatchObject({ actorId: null, reason: UPGRADE_VOID_REASON });
			expect((await verifyAuditChain(db)).intact).toBe(true);
			// The rollup is marked stale and rebuilt: the voided visit's score (6) is no longer counted.
			expect(await ensureRollups(db)).toBe(true);
			const counted = await executeRows(db, sql`select sum(n)::int as n from scale_histogram where instrument_id = 'fss9' and measure = 'score' and value = 6`);
			expect(Number(counted[0]?.n ?? 0)).toBe(0);
		} finally {
			await db.execute(sql`create unique index if not exists visits_one_live_per_date on visits (patient_id, visit_date) where not voided`);
		}
	});
});
