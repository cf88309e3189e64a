/**
 * Failed sign-ins are counted per account and per client address over a sliding window, in the
 * database so that every app process sees the same counts. A success resets the account count.
 */
import { and, count, eq, gt, sql } from 'drizzle-orm';
import type { Db } from '../db';
import { loginAttempts } from '../db/schema';

export interface ThrottleLimits {
	windowMinutes: number;
	accountMax: number;
	addressMax: number;
}

export async function isThrottled(
	db: Db,
	account: string,
	address: string,
	limits: ThrottleLimits,
	now = new Date()
): Promise<boolean> {
	const since = new Date(now.getTime() - limits.windowMinutes * 60_000);
	// Failures on the account after its last success within the window.
	const lastSuccess = db
		.select({ at: sql`max(${loginAttempts.at})` })
		.from(loginAttempts)
		.where(and(eq(loginAttempts.account, account), eq(loginAttempts.success, true)));
	const [byAccount] = await db
		.select({ n: count() })
		.from(loginAttempts)
		.where(
			and(
				eq(loginAttempts.account, account),
				eq(loginAttempts.success, false),
				gt(loginAttempts.at, since),
				sql`${loginAttempts.at} > coalesce((${lastSuccess}), '-infinity'::timestamptz)`
			)
		);
	if ((byAccount?.n ?? 0) >= limits.accountMax) return true;
	const [byAddress] = await db
		.select({ n: count() })
		.from(loginAttempts)
		.where(
			and(
				eq(loginAttempts.address, address),
				eq(loginAttempts.success, false),
				gt(loginAttempts.at, since)
			)
		);
	return (byAddress?.n ?? 0) >= limits.addressMax;
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
