import type { Db } from '../../src/lib/server/db';
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
