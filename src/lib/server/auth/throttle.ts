/**
 * Failed sign-ins (wrong password or wrong second-factor code) are counted per account and per
 * client address, in the database so that every app process sees the same counts. A key with
 * `max` failures is locked for `windowMinutes` after its last failure; every further failure
 * after a lock has run out doubles the lock (exponential backoff), up to MAX_LOCK_MINUTES.
 * Failures count for FORGET_HOURS, and only after the account's last success and after an
 * administrator last cleared the key.
 */
import { eq, sql } from 'drizzle-orm';
import { executeRows, type Db } from '../db';
import { loginAttempts, throttleResets } from '../db/schema';
import { appendAudit } from '../audit';

export interface ThrottleLimits {
	windowMinutes: number;
	accountMax: number;
	addressMax: number;
}

const FORGET_HOURS = 24;
const MAX_LOCK_MINUTES = 24 * 60;

export type ThrottleKind = 'account' | 'address';

export interface Lockout {
	kind: ThrottleKind;
	key: string;
	failures: number;
	lastFailureAt: Date;
	lockedUntil: Date;
}

/** When a key with this many failures, the last at `last`, may try again (null: not locked). */
export function lockedUntil(failures: number, last: Date, max: number, windowMinutes: number): Date | null {
	if (failures < max) return null;
	const minutes = Math.min(MAX_LOCK_MINUTES, windowMinutes * 2 ** Math.min(failures - max, 20));
	return new Date(last.getTime() + minutes * 60_000);
}

/**
 * Failures per key that still count. `keys` limits it to one account and one address (sign-in);
 * without, every key with at least `minFailures` (the administrator's list).
 */
async function countedFailures(db: Db, kind: ThrottleKind, now: Date, key: string | null, minFailures: number) {
	const column = sql.identifier(kind);
	const since = new Date(now.getTime() - FORGET_HOURS * 3_600_000);
	// Only the account's own successes end its count; an address is cleared by time or an admin.
	const lastSuccess =
		kind === 'account'
			? sql`(select max(s.at) from ${loginAttempts} s where s.account = a.account and s.success)`
			: sql`null`;
	const rows = await executeRows(
		db,
		sql`select a.${column} as key, count(*)::int as failures, max(a.at) as last
			from ${loginAttempts} a
			where not a.success and a.at > ${since.toISOString()}::timestamptz
				${key === null ? sql`` : sql`and a.${column} = ${key}`}
				and a.at > coalesce(${lastSuccess}, '-infinity'::timestamptz)
				and a.at > coalesce((select max(r.at) from ${throttleResets} r where r.${column} = a.${column}), '-infinity'::timestamptz)
			group by a.${column}
			having count(*) >= ${minFailures}`
	);
	return rows.map((r) => ({ key: String(r.key), failures: Number(r.failures), last: new Date(r.last as string | Date) }));
}

export async function isThrottled(
	db: Db,
	account: string,
	address: string,
	limits: ThrottleLimits,
	now = new Date()
): Promise<boolean> {
	const [byAccount, byAddress] = await Promise.all([
		countedFailures(db, 'account', now, account, limits.accountMax),
		countedFailures(db, 'address', now, address, limits.addressMax)
	]);
	const locked = (rows: typeof byAccount, max: number) =>
		rows.some((r) => (lockedUntil(r.failures, r.last, max, limits.windowMinutes) ?? now) > now);
	return locked(byAccount, limits.accountMax) || locked(byAddress, limits.addressMax);
}

export type AttemptOutcome = 'ok' | 'invalid' | 'throttled';

/** The one message for a locked account or address: generic, the same for every step of sign-in. */
export const THROTTLED_MESSAGE = 'Too many failed attempts. Wait a few minutes and try again.';

// Namespace of this module's advisory locks (two-key form; other modules use other numbers).
const THROTTLE_LOCK = 7301;

/**
 * One sign-in attempt (a password or a second-factor code) under the limits. The check and the
 * attempt's row are one short transaction holding the account's and the address's locks, and the
 * row is written as a failure before the secret is checked (then turned into a success), so a
 * burst of simultaneous wrong guesses, on one app process or several, is counted one by one and
 * stops at the limit. The secret is checked outside the locks: a slow hash does not queue others.
 */
export async function throttledAttempt(
	db: Db,
	account: string,
	address: string,
	limits: ThrottleLimits,
	check: () => Promise<boolean>
): Promise<AttemptOutcome> {
	const attempt = await db.transaction(async (tx) => {
		// Account first, then address, always: two attempts never wait on each other in a cycle.
		await tx.execute(sql`select pg_advisory_xact_lock(${THROTTLE_LOCK}, hashtext(${'account:' + account})), pg_advisory_xact_lock(${THROTTLE_LOCK}, hashtext(${'address:' + address}))`);
		if (await isThrottled(tx, account, address, limits)) return null;
		const [row] = await tx.insert(loginAttempts).values({ account, address, success: false }).returning({ id: loginAttempts.id });
		return row!.id;
	});
	if (attempt === null) return 'throttled';
	if (!(await check())) return 'invalid';
	await db.update(loginAttempts).set({ success: true }).where(eq(loginAttempts.id, attempt));
	return 'ok';
}

export async function recordAttempt(
	db: Db,
	account: string,
	address: string,
	success: boolean,
	now = new Date()
): Promise<void> {
	await db.insert(loginAttempts).values({ account, address, success, at: now });
}

/** Accounts and addresses locked now, longest lock first (for the administrators' page). */
export async function listLockouts(db: Db, limits: ThrottleLimits, now = new Date()): Promise<Lockout[]> {
	const [accounts, addresses] = await Promise.all([
		countedFailures(db, 'account', now, null, limits.accountMax),
		countedFailures(db, 'address', now, null, limits.addressMax)
	]);
	const out: Lockout[] = [];
	for (const [kind, rows, max] of [
		['account', accounts, limits.accountMax],
		['address', addresses, limits.addressMax]
	] as const) {
		for (const r of rows) {
			const until = lockedUntil(r.failures, r.last, max, limits.windowMinutes);
			if (until && until > now) out.push({ kind, key: r.key, failures: r.failures, lastFailureAt: r.last, lockedUntil: until });
		}
	}
	return out.sort((a, b) => b.lockedUntil.getTime() - a.lockedUntil.getTime());
}

/** An administrator lets an account or address try again at once; audited. */
export async function clearLockout(db: Db, actor: { id: string; requestId?: string }, kind: ThrottleKind, key: string): Promise<void> {
	await db.transaction(async (tx) => {
		await tx.insert(throttleResets).values(kind === 'account' ? { account: key, clearedBy: actor.id } : { address: key, clearedBy: actor.id });
		await appendAudit(tx, {
			actorId: actor.id,
			action: 'clear_lockout',
			entity: 'login_throttle',
			entityId: `${kind}:${key}`.slice(0, 300),
			requestId: actor.requestId
		});
	});
}
