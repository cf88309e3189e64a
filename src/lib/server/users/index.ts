/**
 * Accounts: the first administrator, admin management of users, own password changes, sign-in.
 * Every write runs in one transaction with its audit row. Expected failures are returned as values.
 */
import { isUuid } from '$lib/validation/ids';
import { and, asc, count, eq, ne, sql } from 'drizzle-orm';
import type { Db } from '../db';
import { instanceSetup, users, type Role } from '../db/schema';
import { appendAudit } from '../audit';
import { isUniqueViolation } from '../errors';
import { dummyPasswordHash, hashPassword, passwordProblem, verifyPassword } from '../auth/password';
import { invalidateUserSessions } from '../auth/session';
import { revokeUserApiTokens } from '../auth/tokens';
import { throttledAttempt, type ThrottleLimits } from '../auth/throttle';

export interface Actor {
	id: string | null;
	requestId?: string | null;
}

export type Result<T = void> =
	| ({ ok: true } & (T extends void ? unknown : { value: T }))
	| { ok: false; field: string; message: string };

export interface UserRow {
	id: string;
	email: string;
	name: string;
	role: Role;
	active: boolean;
	createdAt: Date;
	/** Two-factor sign-in is on. */
	mfa: boolean;
}

const publicColumns = {
	id: users.id,
	email: users.email,
	name: users.name,
	role: users.role,
	active: users.active,
	createdAt: users.createdAt,
	mfa: sql<boolean>`${users.totpEnabledAt} is not null`
};

function snapshot(u: Pick<UserRow, 'email' | 'name' | 'role' | 'active'>) {
	return { email: u.email, name: u.name, role: u.role, active: u.active };
}

export async function hasAnyUser(db: Db): Promise<boolean> {
	const [row] = await db.select({ n: count() }).from(users);
	return (row?.n ?? 0) > 0;
}

export interface NewUser {
	email: string;
	name: string;
	role: Role;
	password: string;
}

async function insertUser(tx: Db, actor: Actor, input: NewUser, action: string): Promise<string> {
	const passwordHash = await hashPassword(input.password);
	const [created] = await tx
		.insert(users)
		.values({ email: input.email, name: input.name, role: input.role, passwordHash })
		.returning(publicColumns);
	if (!created) throw new Error('insert returned no row');
	await appendAudit(tx, {
		// The first administrator creates themself; a null actor is the command-line tool.
		actorId: action === 'setup' ? created.id : actor.id,
		action,
		entity: 'user',
		entityId: created.id,
		after: snapshot(created),
		requestId: actor.requestId
	});
	return created.id;
}

/** One-time set-up; the instance_setup primary key makes two concurrent set-ups impossible. */
export async function createFirstAdmin(
	db: Db,
	input: Omit<NewUser, 'role'>,
	requestId?: string
): Promise<Result<string>> {
	const problem = passwordProblem(input.password, input.email, input.name);
	if (problem) return { ok: false, field: 'password', message: problem };
	try {
		const id = await db.transaction(async (tx) => {
			await tx.insert(instanceSetup).values({ id: 1 });
			if (await hasAnyUser(tx)) throw new SetupClosed();
			return insertUser(tx, { id: null, requestId }, { ...input, role: 'admin' }, 'setup');
		});
		return { ok: true, value: id };
	} catch (err) {
		if (err instanceof SetupClosed || isUniqueViolation(err)) {
			return { ok: false, field: 'form', message: 'This instance is already set up. Sign in instead.' };
		}
		throw err;
	}
}

class SetupClosed extends Error {}

export async function createUser(db: Db, actor: Actor, input: NewUser): Promise<Result<string>> {
	const problem = passwordProblem(input.password, input.email, input.name);
	if (problem) return { ok: false, field: 'password', message: problem };
	try {
		const id = await db.transaction((tx) => insertUser(tx, actor, input, 'create'));
		return { ok: true, value: id };
	} catch (err) {
		if (isUniqueViolation(err)) {
			return { ok: false, field: 'email', message: 'An account with this email already exists.' };
		}
		throw err;
	}
}

export function listUsers(db: Db): Promise<UserRow[]> {
	return db.select(publicColumns).from(users).orderBy(asc(users.name), asc(users.email));
}

export async function getUser(db: Db, id: string): Promise<UserRow | undefined> {
	if (!isUuid(id)) return undefined;
	const [row] = await db.select(publicColumns).from(users).where(eq(users.id, id));
	return row;
}

export async function findUserByEmail(db: Db, email: string): Promise<UserRow | undefined> {
	const [row] = await db.select(publicColumns).from(users).where(eq(users.email, email));
	return row;
}

async function otherActiveAdmins(tx: Db, exceptId: string): Promise<number> {
	const [row] = await tx
		.select({ n: count() })
		.from(users)
		.where(and(eq(users.role, 'admin'), eq(users.active, true), ne(users.id, exceptId)));
	return row?.n ?? 0;
}

type UserChange = Partial<Pick<UserRow, 'role' | 'active'>>;

/**
 * Role change or (de)activation: ends the user's sessions and revokes their API tokens at once, in
 * the same transaction (re-activation too: a token that outlived an older deactivation ends there).
 */
export async function updateUserAccess(
	db: Db,
	actor: Actor,
	userId: string,
	change: UserChange,
	reason?: string
): Promise<Result> {
	return db.transaction(async (tx): Promise<Result> => {
		const [before] = await tx.select(publicColumns).from(users).where(eq(users.id, userId)).for('no key update');
		if (!before) return { ok: false, field: 'form', message: 'No such user.' };
		const after = { ...before, ...change };
		const losesAdmin = before.role === 'admin' && before.active && (after.role !== 'admin' || !after.active);
		if (losesAdmin && (await otherActiveAdmins(tx, userId)) === 0) {
			return { ok: false, field: 'form', message: 'This is the last active administrator; keep at least one.' };
		}
		if (after.role === before.role && after.active === before.active) return { ok: true };
		await tx.update(users).set({ ...change, updatedAt: new Date() }).where(eq(users.id, userId));
		await invalidateUserSessions(tx, userId);
		const action = change.active === false ? 'deactivate' : change.active === true ? 'reactivate' : 'change_role';
		await revokeUserApiTokens(tx, actor, userId, action);
		await appendAudit(tx, {
			actorId: actor.id,
			action,
			entity: 'user',
			entityId: userId,
			before: snapshot(before),
			after: snapshot(after),
			reason: reason ?? null,
			requestId: actor.requestId
		});
		return { ok: true };
	});
}

/**
 * Sets a new password. `keepSessionId` keeps the caller's own session (own password change);
 * every other session of the user ends. An administrator's reset also revokes the user's API
 * tokens; a user changing their own keeps theirs (listed, and revocable, on their account page).
 */
export async function setPassword(
	db: Db,
	actor: Actor,
	userId: string,
	password: string,
	keepSessionId?: string
): Promise<Result> {
	const target = await getUser(db, userId);
	if (!target) return { ok: false, field: 'form', message: 'No such user.' };
	const problem = passwordProblem(password, target.email, target.name);
	if (problem) return { ok: false, field: 'password', message: problem };
	const passwordHash = await hashPassword(password);
	await db.transaction(async (tx) => {
		await tx.update(users).set({ passwordHash, updatedAt: new Date() }).where(eq(users.id, userId));
		await invalidateUserSessions(tx, userId, keepSessionId);
		if (actor.id !== userId) await revokeUserApiTokens(tx, actor, userId, 'reset_password');
		await appendAudit(tx, {
			actorId: actor.id,
			action: actor.id === userId ? 'change_password' : 'reset_password',
			entity: 'user',
			entityId: userId,
			requestId: actor.requestId
		});
	});
	return { ok: true };
}

export async function checkPassword(db: Db, userId: string, password: string): Promise<boolean> {
	const [row] = await db.select({ hash: users.passwordHash }).from(users).where(eq(users.id, userId));
	return row ? verifyPassword(row.hash, password) : false;
}

export type SignInResult =
	| { ok: true; user: UserRow }
	| { ok: false; reason: 'invalid' | 'throttled' };

/**
 * Checks the throttle first, then the password. An unknown email costs the same hash work as a
 * known one and yields the same answer, so the result never tells whether an account exists.
 */
export async function authenticate(
	db: Db,
	email: string,
	password: string,
	address: string,
	limits: ThrottleLimits
): Promise<SignInResult> {
	let found: UserRow | undefined;
	const outcome = await throttledAttempt(db, email, address, limits, async () => {
		const [row] = await db
			.select({ ...publicColumns, passwordHash: users.passwordHash })
			.from(users)
			.where(eq(users.email, email));
		const valid = await verifyPassword(row?.passwordHash ?? (await dummyPasswordHash()), password);
		if (!row || !row.active || !valid) return false;
		const { passwordHash: _unused, ...user } = row;
		found = user;
		return true;
	});
	if (outcome !== 'ok' || !found) return { ok: false, reason: outcome === 'throttled' ? 'throttled' : 'invalid' };
	return { ok: true, user: found };
}
