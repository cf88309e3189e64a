/** Users, sessions and patients made with the app's own domain code, as the e2e fixtures do. */
import path from 'node:path';
import { openDatabase, type Database } from '../../src/lib/server/db';
import { createUser } from '../../src/lib/server/users';
import { createPatient } from '../../src/lib/server/patients';
import { createSession, generateSessionToken, SESSION_COOKIE } from '../../src/lib/server/auth/session';
import type { Role } from '../../src/lib/server/db/schema';
import { PASSWORD } from './harness';

export interface Fixtures {
	database: Database;
	user(role: Role, tag: string): Promise<{ id: string; email: string }>;
	cookie(userId: string): Promise<string>;
	patients(actorId: string, n: number, tag: string): Promise<string[]>;
}

/**
 * Opens the database with migrations applied (as the app does) and offers fixture makers: a
 * PostgreSQL URL, or `{ dataDir }` for an embedded data folder (DATA_DIR/pglite).
 */
export async function fixtures(target: string | { dataDir: string }): Promise<Fixtures> {
	const database = await openDatabase(typeof target === 'string' ? { url: target, max: 4 } : { dataDir: path.join(target.dataDir, 'pglite') });
	return {
		database,
		async user(role, tag) {
			const email = `${role}-${tag}@rel.test`;
			const r = await createUser(database.db, { id: null }, { email, name: `${role} ${tag}`, role, password: PASSWORD });
			if (!r.ok) throw new Error(r.message);
			return { id: r.value, email };
		},
		async cookie(userId) {
			const token = generateSessionToken();
			await createSession(database.db, token, userId, { idleMinutes: 600, maxHours: 12 });
			return `${SESSION_COOKIE}=${token}`;
		},
		async patients(actorId, n, tag) {
			const ids: string[] = [];
			for (let i = 0; i < n; i++) {
				const r = await createPatient(database.db, { id: actorId }, {
					clinicRef: `${tag}-${i}`,
					name: `Patient ${tag} ${i}`,
					dateOfBirth: '1970-01-01',
					sex: 'female',
					conditionCode: 'rheumatoid_arthritis',
					enrolledOn: '2024-01-01'
				});
				if (!r.ok) throw new Error(r.message);
				ids.push(r.value);
			}
			return ids;
		}
	};
}
