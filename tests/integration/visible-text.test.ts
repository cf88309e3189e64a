// The database refuses names and clinic references holding characters that do not show, whatever
// path the write takes (the forms, the import and the API refuse them first, with a message).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { Db } from '../../src/lib/server/db';
import { isCheckViolation, pgConstraint } from '../../src/lib/server/errors';
import { driverName, resetDatabase, testDatabase } from './db';
import { makeUser } from './helpers';

let db: Db;
beforeAll(async () => {
	db = (await testDatabase()).db;
	await resetDatabase(db);
});
afterAll(() => resetDatabase(db));

async function refusal(query: ReturnType<typeof sql>): Promise<unknown> {
	try {
		await db.execute(query);
	} catch (err) {
		return err;
	}
	return null;
}

const insertPatient = (ref: string, name: string) =>
	sql`insert into patients (clinic_ref, name, date_of_birth, sex, condition_code, enrolled_on) values (${ref}, ${name}, '1970-01-01', 'female', 'other', '2024-01-01')`;

describe(`hidden characters in names (${driverName})`, () => {
	it('a patient name or clinic reference with a bidi control, zero-width space, BOM or control is refused', async () => {
		const hostile = ['\u202egnp.exe Admín', 'Ann\u2066 Smith', 'Ann\u200bSmith', '\ufeffAnn', 'Ann\u0007', 'Ann\u061c', 'Ann\u200e', 'Ann\u2060'];
		for (const [i, name] of hostile.entries()) {
			const err = await refusal(insertPatient(`H-${i}`, name));
			expect(isCheckViolation(err), JSON.stringify(name)).toBe(true);
			expect(pgConstraint(err).name).toBe('patients_text_visible');
			expect(isCheckViolation(await refusal(insertPatient(`H-${i}\u202e`, 'Ann Smith'))), `ref ${JSON.stringify(name)}`).toBe(true);
		}
	});

	it('ordinary names in any script, joiners in Persian and tabs are stored', async () => {
		for (const [i, name] of ['Ann Smith', 'Zoë O’Brien-Łukasz', 'علی‌رضا', 'क्‍षमा', 'Ann\tSmith', '山田 太郎'].entries()) {
			expect(await refusal(insertPatient(`OK-${i}`, name)), name).toBeNull();
		}
	});

	it('a user name with one is refused, one without is stored', async () => {
		const user = await makeUser(db);
		const err = await refusal(sql`update users set name = ${'Admin\u202e'} where id = ${user.id}::uuid`);
		expect(isCheckViolation(err)).toBe(true);
		expect(pgConstraint(err).name).toBe('users_name_visible');
		expect(await refusal(sql`update users set name = ${'Ann Smith'} where id = ${user.id}::uuid`)).toBeNull();
	});
});
