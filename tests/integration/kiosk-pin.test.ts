// The clinician's PIN for ending patient mode: set only with the password, stored as argon2id,
// audited, checked under sign-in's throttle (the same counts as the password), removable.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import type { Db } from '../../src/lib/server/db';
import { auditLog, users } from '../../src/lib/server/db/schema';
import { checkKioskPin, hasKioskPin, kioskPinProblem, setOwnKioskPin } from '../../src/lib/server/auth/kiosk-pin';
import { authenticate } from '../../src/lib/server/users';
import { driverName, resetDatabase, testDatabase } from './db';
import { makeUser, PASSWORD } from './helpers';

let db: Db;
const limits = { windowMinutes: 15, accountMax: 5, addressMax: 30 };
let n = 0;
async function clinician() {
	const u = await makeUser(db, 'clinician');
	n++;
	return { id: u.id, email: u.email, address: `192.0.2.${n}` };
}

beforeAll(async () => {
	db = (await testDatabase()).db;
	await resetDatabase(db);
});
afterAll(async () => {
	await resetDatabase(db);
});

describe(`kiosk PIN (${driverName})`, () => {
	it('refuses PINs that are too short, too long, not digits, repeated or a run', () => {
		for (const pin of ['12345', '123456789', '12a456', ' 123456', '000000', '123456', '98765432', '890123']) expect(kioskPinProblem(pin), pin).not.toBeNull();
		for (const pin of ['482915', '90817263', '1357902']) expect(kioskPinProblem(pin), pin).toBeNull();
	});

	it('is set with the password, stored as argon2id, audited, and ends patient mode; the password still does', async () => {
		const who = await clinician();
		expect(await hasKioskPin(db, who.id)).toBe(false);
		expect(await setOwnKioskPin(db, who, 'not the password', '482915', limits)).toEqual({ ok: false, reason: 'invalid' });
		expect(await setOwnKioskPin(db, who, PASSWORD, '123456', limits)).toMatchObject({ ok: false, reason: 'refused', field: 'pin' });
		expect(await hasKioskPin(db, who.id)).toBe(false);
		expect(await setOwnKioskPin(db, who, PASSWORD, '482915', limits)).toEqual({ ok: true });
		const [row] = await db.select({ pin: users.kioskPinHash }).from(users).where(eq(users.id, who.id));
		expect(row!.pin).toMatch(/^\$argon2id\$/);
		expect(row!.pin).not.toContain('482915');
		expect(await db.select({ action: auditLog.action }).from(auditLog).where(and(eq(auditLog.entity, 'user'), eq(auditLog.entityId, who.id), eq(auditLog.action, 'set_kiosk_pin')))).toHaveLength(1);
		expect(await checkKioskPin(db, who, '482915', limits)).toBe('ok');
		expect(await checkKioskPin(db, who, '482916', limits)).toBe('invalid');
		// The PIN is no password: sign-in refuses it.
		expect(await authenticate(db, who.email, '482915', who.address, limits)).toEqual({ ok: false, reason: 'invalid' });
		expect(await authenticate(db, who.email, PASSWORD, who.address, limits)).toMatchObject({ ok: true });
	});

	it('wrong PINs count as failed sign-ins: after the account’s limit even the right PIN and the password wait', async () => {
		const who = await clinician();
		expect(await setOwnKioskPin(db, who, PASSWORD, '482915', limits)).toEqual({ ok: true });
		for (let i = 0; i < limits.accountMax; i++) expect(await checkKioskPin(db, who, `5${String(i).padStart(5, '1')}`, limits)).toBe('invalid');
		expect(await checkKioskPin(db, who, '482915', limits)).toBe('throttled');
		expect(await authenticate(db, who.email, PASSWORD, who.address, limits)).toEqual({ ok: false, reason: 'throttled' });
	});

	it('a clinician without a PIN, or one who removed it, is never let through by a PIN', async () => {
		const who = await clinician();
		expect(await checkKioskPin(db, who, '482915', limits)).toBe('invalid');
		expect(await setOwnKioskPin(db, who, PASSWORD, '482915', limits)).toEqual({ ok: true });
		expect(await setOwnKioskPin(db, who, PASSWORD, null, limits)).toEqual({ ok: true });
		expect(await hasKioskPin(db, who.id)).toBe(false);
		expect(await checkKioskPin(db, who, '482915', limits)).toBe('invalid');
		expect((await db.select({ action: auditLog.action }).from(auditLog).where(and(eq(auditLog.entity, 'user'), eq(auditLog.entityId, who.id)))).map((a) => a.action)).toEqual(expect.arrayContaining(['set_kiosk_pin', 'remove_kiosk_pin']));
	});
});
