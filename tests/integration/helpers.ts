import type { Db } from '../../src/lib/server/db';
import { pgErrorCode } from '../../src/lib/server/errors';
import { createUser } from '../../src/lib/server/users';
import type { Role } from '../../src/lib/server/db/schema';

export const PASSWORD = 'a long enough passphrase';

let counter = 0;
export async function makeUser(db: Db, role: Role = 'clinician', password = PASSWORD) {
	counter++;
	const email = `user${counter}-${role}@clinic.test`;
	const result = await createUser(db, { id: null }, { email, name: `User ${counter}`, role, password });
	if (!result.ok) throw new Error(result.message);
	return { id: result.value, email, role };
}

/** The error code the database refused a write with (throws when it accepted it). */
export async function refused(write: Promise<unknown>): Promise<string | undefined> {
	try {
		await write;
	} catch (err) {
		return pgErrorCode(err) ?? String(err);
	}
	throw new Error('the database accepted it');
}
