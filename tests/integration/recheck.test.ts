// The account page's re-checks (current password, a code from the app) with a stolen session
// cookie are a path to a new password, to turning two-factor sign-in off or to fresh recovery
// codes: they are throttled exactly like sign-in, and use up nothing unless the action succeeds.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { generateHOTP } from '@oslojs/otp';
import { decodeBase32IgnorePadding } from '@oslojs/encoding';
import type { Db } from '../../src/lib/server/db';
import { loginAttempts } from '../../src/lib/server/db/schema';
import { beginEnrolment, confirmEnrolment, mfaState, verifySecondFactor } from '../../src/lib/server/auth/mfa';
import { changeOwnPassword, disableOwnMfa, newRecoveryCodesWithAppCode } from '../../src/lib/server/auth/recheck';
import { authenticate } from '../../src/lib/server/users';
import { driverName, resetDatabase, testDatabase } from './db';
import { makeUser, PASSWORD } from './helpers';

let db: Db;
beforeAll(async () => {
	db = (await testDatabase()).db;
});
beforeEach(() => resetDatabase(db));
afterAll(() => resetDatabase(db));

const limits = { windowMinutes: 15, accountMax: 5, addressMax: 30 };
const NEW_PASSWORD = 'another long passphrase here';

function appCode(secret: string, ms: number): string {
	return generateHOTP(decodeBase32IgnorePadding(secret.replace(/\s/g, '')), BigInt(Math.floor(ms / 30_000)), 6);
}

async function enrolled(at = Date.now()) {
	const user = await makeUser(db, 'clinician');
	const enrolment = await beginEnrolment(db, user.id);
	const result = await confirmEnrolment(db, { id: user.id }, appCode(enrolment!.secret, at), at);
	if (!result.ok) throw new Error(result.message);
	return { user, secret: enrolment!.secret, codes: result.value };
}

const attempts = async (email: string) =>
	db.select({ address: loginAttempts.address, success: loginAttempts.success }).from(loginAttempts).where(eq(loginAttempts.account, email));

describe(`account re-checks are throttled like sign-in (${driverName})`, () => {
	it('the current password for a new one: wrong tries are counted, then even the right one is refused', async () => {
		const user = await makeUser(db);
		const who = { ...user, address: '10.20.0.1' };
		for (let i = 0; i < limits.accountMax; i++) {
			expect(await changeOwnPassword(db, who, `wrong password ${i}`, NEW_PASSWORD, limits)).toMatchObject({ ok: false, reason: 'invalid' });
		}
		expect(await changeOwnPassword(db, who, PASSWORD, NEW_PASSWORD, limits)).toMatchObject({ ok: false, reason: 'throttled' });
		expect(await attempts(user.email)).toEqual(Array.from({ length: limits.accountMax }, () => ({ address: '10.20.0.1', success: false })));
		// The same lock as sign-in's: the account cannot sign in either, from anywhere.
		expect(await authenticate(db, user.email, PASSWORD, '10.20.9.9', limits)).toEqual({ ok: false, reason: 'throttled' });
	});

	it('the right current password changes it, and is recorded as a success', async () => {
		const user = await makeUser(db);
		expect(await changeOwnPassword(db, { ...user, address: '10.20.0.2' }, PASSWORD, NEW_PASSWORD, limits)).toEqual({ ok: true });
		expect(await attempts(user.email)).toEqual([{ address: '10.20.0.2', success: true }]);
		expect((await authenticate(db, user.email, NEW_PASSWORD, '10.20.0.2', limits)).ok).toBe(true);
	});

	it('is limited per address too, across accounts', async () => {
		const tight = { ...limits, addressMax: 3 };
		const users = [await makeUser(db), await makeUser(db), await makeUser(db), await makeUser(db)];
		for (const u of users.slice(0, 3)) {
			expect(await disableOwnMfa(db, { ...u, address: '10.20.1.1' }, 'wrong password!', tight)).toMatchObject({ ok: false, reason: 'invalid' });
		}
		expect(await disableOwnMfa(db, { ...users[3]!, address: '10.20.1.1' }, PASSWORD, tight)).toMatchObject({ ok: false, reason: 'throttled' });
	});

	it('turning two-factor sign-in off: the password is throttled, and nothing changes until it is right', async () => {
		const { user } = await enrolled();
		const who = { ...user, address: '10.20.2.1' };
		for (let i = 0; i < limits.accountMax; i++) {
			expect(await disableOwnMfa(db, who, `wrong password ${i}`, limits)).toMatchObject({ ok: false, reason: 'invalid' });
		}
		expect(await disableOwnMfa(db, who, PASSWORD, limits)).toMatchObject({ ok: false, reason: 'throttled' });
		expect((await mfaState(db, user.id)).enabled).toBe(true);
		expect((await attempts(user.email)).every((a) => !a.success)).toBe(true);
	});

	it('new recovery codes: wrong app codes are throttled; the right one then is refused too', async () => {
		const now = Date.now();
		const { user, secret } = await enrolled(now - 60_000);
		const who = { ...user, address: '10.20.3.1' };
		const right = appCode(secret, now);
		const wrong = right === '000000' ? '111111' : '000000';
		for (let i = 0; i < limits.accountMax; i++) {
			expect(await newRecoveryCodesWithAppCode(db, who, wrong, limits, now)).toMatchObject({ ok: false, reason: 'invalid' });
		}
		expect(await newRecoveryCodesWithAppCode(db, who, right, limits, now)).toMatchObject({ ok: false, reason: 'throttled' });
		// The refused right code was not used up: sign-in still takes it.
		expect(await verifySecondFactor(db, user.id, right, now)).toBe('totp');
	});
});

describe(`account re-checks use up a code only when the action succeeds (${driverName})`, () => {
	it('a recovery code typed where an app code is asked for is refused and stays unused', async () => {
		const { user, codes } = await enrolled();
		const outcome = await newRecoveryCodesWithAppCode(db, { ...user, address: '10.21.0.1' }, codes[0]!, limits);
		expect(outcome).toMatchObject({ ok: false, reason: 'invalid' });
		expect((await mfaState(db, user.id)).recoveryCodesLeft).toBe(10);
		expect(await verifySecondFactor(db, user.id, codes[0]!)).toBe('recovery');
	});

	it('the right app code gives ten new codes (the old ones stop) and its time step is used', async () => {
		const now = Date.now();
		const { user, secret, codes } = await enrolled(now - 60_000);
		const outcome = await newRecoveryCodesWithAppCode(db, { ...user, address: '10.21.0.2' }, appCode(secret, now), limits, now);
		expect(outcome.ok).toBe(true);
		if (!outcome.ok) return;
		expect(outcome.codes).toHaveLength(10);
		expect(await verifySecondFactor(db, user.id, codes[0]!)).toBeNull();
		expect(await verifySecondFactor(db, user.id, appCode(secret, now), now)).toBeNull(); // replay
		expect(await attempts(user.email)).toEqual([{ address: '10.21.0.2', success: true }]);
	});

	it('a weak new password is refused after the right current one, with nothing changed', async () => {
		const user = await makeUser(db);
		const outcome = await changeOwnPassword(db, { ...user, address: '10.21.0.3' }, PASSWORD, 'password1234', limits);
		expect(outcome).toMatchObject({ ok: false, reason: 'refused', field: 'password' });
		expect((await authenticate(db, user.email, PASSWORD, '10.21.0.3', limits)).ok).toBe(true);
	});
});
