import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../src/lib/server/db';
import { auditLog } from '../../src/lib/server/db/schema';
import { appendAuditMany, searchAudit, verifyAuditChain } from '../../src/lib/server/audit';
import { updateUserAccess } from '../../src/lib/server/users';
import { driverName, resetDatabase, testDatabase } from './db';
import { makeUser } from './helpers';

let db: Db;
let admin: { id: string };
let other: { id: string };

beforeAll(async () => {
	db = (await testDatabase()).db;
	await resetDatabase(db);
	admin = await makeUser(db, 'admin');
	other = await makeUser(db, 'clinician');
	await updateUserAccess(db, { id: admin.id }, other.id, { role: 'researcher' }, 'moved to research');
	await updateUserAccess(db, { id: admin.id }, other.id, { active: false });
});
afterAll(() => resetDatabase(db));

describe(`audit search (${driverName})`, () => {
	it('lists newest first with before and after', async () => {
		const rows = await searchAudit(db, {});
		expect(rows.map((r) => r.action)).toEqual(['deactivate', 'change_role', 'create', 'create']);
		expect(rows[1]).toMatchObject({ reason: 'moved to research', before: expect.objectContaining({ role: 'clinician' }), after: expect.objectContaining({ role: 'researcher' }) });
	});
	it('filters by user, entity, action and date, and pages by id', async () => {
		expect((await searchAudit(db, { actorId: admin.id })).map((r) => r.action)).toEqual(['deactivate', 'change_role']);
		expect(await searchAudit(db, { entity: 'patient' })).toEqual([]);
		expect((await searchAudit(db, { action: 'create' })).length).toBe(2);
		const today = new Date().toISOString().slice(0, 10);
		expect((await searchAudit(db, { from: today, to: today })).length).toBe(4);
		expect(await searchAudit(db, { to: '2000-01-01' })).toEqual([]);
		const first = await searchAudit(db, {}, 2);
		const rest = await searchAudit(db, { before: first[1]!.id }, 2);
		expect(rest.map((r) => r.action)).toEqual(['create', 'create']);
	});
});

describe(`audit chains (${driverName})`, () => {
	it('a write that finds chain 0 busy appends to another chain; every chain stays intact; a tampered row in any chain is found', async () => {
		const entry = (id: string) => ({ actorId: admin.id, action: 'test', entity: 'thing', entityId: id });
		let release!: () => void;
		const held = new Promise<void>((r) => (release = r));
		let first: Promise<void>;
		if (driverName === 'postgres') {
			// The first transaction holds its chain until released; the second must not wait for it.
			let started!: () => void;
			const inFirst = new Promise<void>((r) => (started = r));
			first = db.transaction(async (tx) => {
				await appendAuditMany(tx, [entry('a1'), entry('a2')]);
				started();
				await held;
			});
			await inFirst;
			await db.transaction((tx) => appendAuditMany(tx, [entry('b1')]));
			release();
			await first;
		} else {
			// PGlite runs one transaction at a time: both find chain 0 free.
			await db.transaction((tx) => appendAuditMany(tx, [entry('a1'), entry('a2')]));
			await db.transaction((tx) => appendAuditMany(tx, [entry('b1')]));
			release();
		}
		const rows = await db.select({ id: auditLog.id, entityId: auditLog.entityId, chain: auditLog.chain }).from(auditLog).where(eq(auditLog.entity, 'thing')).orderBy(auditLog.id);
		const chainOf = Object.fromEntries(rows.map((r) => [r.entityId, r.chain]));
		expect(chainOf.a1).toBe(chainOf.a2);
		if (driverName === 'postgres') expect(chainOf.b1).not.toBe(chainOf.a1);
		else expect(chainOf.b1).toBe(0);
		expect(await verifyAuditChain(db)).toMatchObject({ intact: true });
		// A row altered behind the trigger, in the chain written last.
		const b1 = rows.find((r) => r.entityId === 'b1')!;
		await db.transaction(async (tx) => {
			await tx.execute(sql`set local session_replication_role = replica`);
			await tx.execute(sql`update audit_log set reason = 'changed' where id = ${b1.id}`);
		});
		expect(await verifyAuditChain(db)).toMatchObject({ intact: false, firstBrokenId: b1.id });
	});
});
