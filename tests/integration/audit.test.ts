import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/lib/server/db';
import { searchAudit } from '../../src/lib/server/audit';
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
