// Two-factor sign-in as users meet it: turning it on, signing in with a code or a recovery code,
// the administrator's requirement, and lock-outs on the Security page.
import { generateHOTP } from '@oslojs/otp';
import { decodeBase32IgnorePadding } from '@oslojs/encoding';
import type { Page } from '@playwright/test';
import { sql } from 'drizzle-orm';
import { executeRows } from '../../src/lib/server/db';
import { beginEnrolment, confirmEnrolment, mfaState } from '../../src/lib/server/auth/mfa';
import { expect, PASSWORD, test, waitsForHydration, type TestUser } from './fixtures';
import { formHeaders, send, sessionCookie } from './route-tree';

/** The code an authenticator app shows `offsetSeconds` from now for the key on the page. */
function appCode(secret: string, offsetSeconds = 0): string {
	const key = decodeBase32IgnorePadding(secret.replace(/\s/g, ''));
	return generateHOTP(key, BigInt(Math.floor((Date.now() + offsetSeconds * 1000) / 30_000)), 6);
}

async function turnOn(page: Page): Promise<{ secret: string; codes: string[] }> {
	await page.goto('/account');
	await page.getByRole('link', { name: 'Turn on two-factor sign-in' }).click();
	await expect(page.getByRole('img', { name: 'QR code for your authenticator app' })).toBeVisible();
	const secret = (await page.getByTestId('totp-secret').textContent())!.trim();
	await page.getByLabel('Code from the app').fill('000000' === appCode(secret) ? '111111' : '000000');
	await page.getByRole('button', { name: 'Turn on two-factor sign-in' }).click();
	await expect(page.getByText('That code does not match')).toBeVisible();
	await page.getByLabel('Code from the app').fill(appCode(secret));
	await page.getByRole('button', { name: 'Turn on two-factor sign-in' }).click();
	await expect(page.getByText('Two-factor sign-in is on.')).toBeVisible();
	const codes = await page.getByTestId('recovery-codes').locator('li').allTextContents();
	expect(codes).toHaveLength(10);
	return { secret, codes };
}

async function signInWithPassword(page: Page, user: TestUser, next = '/') {
	await page.goto(next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`);
	await page.getByLabel('Email').fill(user.email);
	await page.getByLabel('Password').fill(PASSWORD);
	await page.getByRole('button', { name: 'Sign in' }).click();
}

test('a clinician turns on two-factor sign-in, then signs in with a code and with a recovery code', async ({ makeUser, signedIn, browser, baseURL }) => {
	const user = await makeUser('clinician');
	const page = await signedIn(user);
	const { secret, codes } = await turnOn(page);
	await page.goto('/account');
	await expect(page.getByText('Recovery codes left: 10')).toBeVisible();

	const fresh = waitsForHydration(await (await browser.newContext({ baseURL })).newPage());
	await signInWithPassword(fresh, user, '/patients');
	await expect(fresh.getByLabel('Code')).toBeVisible();
	// The password alone opens nothing.
	expect((await fresh.request.get('/patients', { maxRedirects: 0 })).status()).toBe(303);
	await fresh.getByLabel('Code').fill('123456' === appCode(secret, 30) ? '654321' : '123456');
	await fresh.getByRole('button', { name: 'Continue' }).click();
	await expect(fresh.getByText('That code is not correct')).toBeVisible();
	const sessionCookie = async () => (await fresh.context().cookies()).find((c) => c.name === 'ot_session')?.value;
	const pendingToken = await sessionCookie();
	// The next step's code (the phone a little ahead): a step not used at set-up.
	await fresh.getByLabel('Code').fill(appCode(secret, 30));
	await fresh.getByRole('button', { name: 'Continue' }).click();
	await expect(fresh).toHaveURL(/\/patients$/);
	// Signed in with a new session id; the half-way one is gone.
	expect(await sessionCookie()).not.toBe(pendingToken);
	const stale = await fresh.request.get('/patients', { headers: { cookie: `ot_session=${pendingToken}` }, maxRedirects: 0 });
	expect(stale.status()).toBe(303);
	await fresh.context().close();

	const lostPhone = waitsForHydration(await (await browser.newContext({ baseURL })).newPage());
	await signInWithPassword(lostPhone, user);
	await lostPhone.getByLabel('Code').fill(codes[0]!.toUpperCase());
	await lostPhone.getByRole('button', { name: 'Continue' }).click();
	await expect(lostPhone.getByRole('heading', { name: /^Welcome/ })).toBeVisible();
	await lostPhone.goto('/account');
	await expect(lostPhone.getByText('Recovery codes left: 9')).toBeVisible();
	await lostPhone.context().close();
});

test('an administrator requires two-factor sign-in for administrators; a new one sets it up at sign-in', async ({ makeUser, signedIn, browser, baseURL }) => {
	const admin = await makeUser('admin');
	const page = await signedIn(admin);
	await page.goto('/admin/security');
	await page.getByLabel('admins').check();
	await page.getByRole('button', { name: 'Save' }).click();
	await expect(page.getByText('Turn on two-factor sign-in for your own account first')).toBeVisible();
	await turnOn(page);
	await page.goto('/admin/security');
	await page.getByLabel('admins').check();
	await page.getByRole('button', { name: 'Save' }).click();
	await expect(page.getByText('Saved.')).toBeVisible();
	try {
		const newcomer = await makeUser('admin');
		const theirs = waitsForHydration(await (await browser.newContext({ baseURL })).newPage());
		await signInWithPassword(theirs, newcomer, '/admin/users');
		await expect(theirs).toHaveURL(/\/login\/enrol\?next=%2Fadmin%2Fusers$/);
		await expect(theirs.getByText('Your administrator requires a second step')).toBeVisible();
		expect((await theirs.request.get('/admin/users', { maxRedirects: 0 })).status()).toBe(303);
		const secret = (await theirs.getByTestId('totp-secret').textContent())!.trim();
		await theirs.getByLabel('Code from the app').fill(appCode(secret));
		await theirs.getByRole('button', { name: 'Turn on two-factor sign-in' }).click();
		await expect(theirs.getByTestId('recovery-codes').locator('li')).toHaveCount(10);
		await theirs.getByRole('link', { name: 'Continue' }).click();
		await expect(theirs.getByRole('heading', { name: 'Users' })).toBeVisible();
		// Turning it off is refused while the role requires it (the form is not even offered).
		await theirs.goto('/account');
		await expect(theirs.getByRole('button', { name: 'Turn off two-factor sign-in' })).toHaveCount(0);
		await theirs.context().close();
	} finally {
		await page.goto('/admin/security');
		await page.getByLabel('admins').uncheck();
		await page.getByRole('button', { name: 'Save' }).click();
		await expect(page.getByText('Saved.')).toBeVisible();
	}
});

test('an administrator sees a locked-out account and clears it', async ({ makeUser, signedIn, browser, baseURL }) => {
	const admin = await makeUser('admin');
	const victim = await makeUser('researcher');
	const attacker = waitsForHydration(await (await browser.newContext({ baseURL })).newPage());
	await attacker.goto('/login');
	for (let i = 0; i < 5; i++) {
		await attacker.getByLabel('Email').fill(victim.email);
		await attacker.getByLabel('Password').fill(`wrong password ${i}`);
		// Wait for each answer to land before typing again (the message stays up between tries).
		const answered = attacker.waitForResponse((r) => r.request().method() === 'POST' && r.url().includes('/login'));
		await attacker.getByRole('button', { name: 'Sign in' }).click();
		await answered;
		await expect(attacker.getByRole('button', { name: 'Sign in' })).toBeEnabled();
		await expect(attacker.getByText('Email or password is incorrect.')).toBeVisible();
	}
	await attacker.getByLabel('Email').fill(victim.email);
	await attacker.getByLabel('Password').fill(PASSWORD);
	await attacker.getByRole('button', { name: 'Sign in' }).click();
	await expect(attacker.getByText('Too many failed attempts')).toBeVisible();

	const page = await signedIn(admin);
	await page.goto('/admin/security');
	const row = page.getByRole('row', { name: new RegExp(victim.email) });
	await expect(row).toContainText('5');
	await row.getByRole('button', { name: `Clear lock-out of ${victim.email}` }).click();
	await expect(page.getByText(`Cleared: ${victim.email}`)).toBeVisible();
	await expect(page.getByRole('row', { name: new RegExp(victim.email) })).toHaveCount(0);

	await attacker.getByLabel('Email').fill(victim.email);
	await attacker.getByLabel('Password').fill(PASSWORD);
	await attacker.getByRole('button', { name: 'Sign in' }).click();
	await expect(attacker.getByRole('heading', { name: /^Welcome/ })).toBeVisible();
	await attacker.context().close();
});

test('the account page’s re-checks are throttled like sign-in, and a recovery code typed there is not used up', async ({ makeUser, database, baseURL }) => {
	const user = await makeUser('clinician');
	const enrolment = await beginEnrolment(database.db, user.id);
	const confirmed = await confirmEnrolment(database.db, { id: user.id }, appCode(enrolment!.secret));
	if (!confirmed.ok) throw new Error(confirmed.message);
	const cookie = await sessionCookie(database, user.id);
	const post = (action: string, body: Record<string, string>) =>
		send(baseURL!, `/account?/${action}`, { method: 'POST', headers: formHeaders(baseURL!), body: new URLSearchParams(body).toString(), cookie });

	// A recovery code where an app code is asked for: refused, and still unused.
	const mistaken = await post('recovery', { code: confirmed.value[0]! });
	expect(mistaken.body).toContain('Type the current 6-digit code from your authenticator app.');
	expect((await mfaState(database.db, user.id)).recoveryCodesLeft).toBe(10);

	// That was one failure; four more wrong passwords reach the account's limit of five
	// (LOGIN_THROTTLE_ACCOUNT_MAX), after which even the right password is refused.
	for (let i = 0; i < 4; i++) expect((await post('disableMfa', { mfaPassword: `wrong password ${i}` })).body).toContain('Your password is not correct.');
	const locked = await post('disableMfa', { mfaPassword: PASSWORD });
	expect(locked.status).toBe(429);
	expect(locked.body).toContain('Too many failed attempts');
	expect((await mfaState(database.db, user.id)).enabled).toBe(true);
	expect((await post('password', { current: PASSWORD, password: 'a brand new long passphrase', confirm: 'a brand new long passphrase' })).status).toBe(429);
	expect((await post('recovery', { code: appCode(enrolment!.secret, 30) })).status).toBe(429);
	const rows = await executeRows(database.db, sql`select count(*)::int as n from login_attempts where account = ${user.email} and not success`);
	expect(rows[0]!.n).toBe(5);
});

test('the current password on the account page counts against the account', async ({ makeUser, database, baseURL }) => {
	const user = await makeUser('researcher');
	const cookie = await sessionCookie(database, user.id);
	const change = (current: string) =>
		send(baseURL!, '/account?/password', {
			method: 'POST',
			headers: formHeaders(baseURL!),
			body: new URLSearchParams({ current, password: 'a brand new long passphrase', confirm: 'a brand new long passphrase' }).toString(),
			cookie
		});
	for (let i = 0; i < 5; i++) expect((await change(`wrong password ${i}`)).body).toContain('Your current password is not correct.');
	expect((await change(PASSWORD)).status).toBe(429);
	// The lock is sign-in's own: the password form at /login says the same.
	const signIn = await send(baseURL!, '/login?/password', { method: 'POST', headers: formHeaders(baseURL!), body: new URLSearchParams({ email: user.email, password: PASSWORD }).toString() });
	expect(signIn.status).toBe(429);
});

test('pages of a half-finished sign-in, which show a TOTP key and recovery codes, are never stored by a cache', async ({ makeUser, database, baseURL }) => {
	const user = await makeUser('admin');
	const enrol = await sessionCookie(database, user.id, 'enrol');
	const page = await send(baseURL!, '/login/enrol', { cookie: enrol });
	expect(page.status).toBe(200);
	expect(page.body).toContain('totp-secret');
	expect(page.headers.get('cache-control')).toBe('no-store');
	// The same key the page shows (it stays until confirmed), and the code an app would show now.
	const { secret } = (await beginEnrolment(database.db, user.id))!;
	const confirmed = await send(baseURL!, '/login/enrol?/confirm', {
		method: 'POST',
		headers: formHeaders(baseURL!),
		body: new URLSearchParams({ code: appCode(secret), next: '/' }).toString(),
		cookie: enrol
	});
	expect(confirmed.status).toBe(200);
	expect(confirmed.body).toContain('recovery-codes');
	expect(confirmed.headers.get('cache-control')).toBe('no-store');

	const verify = await send(baseURL!, '/login', { cookie: await sessionCookie(database, user.id, 'verify') });
	expect(verify.status).toBe(200);
	expect(verify.headers.get('cache-control')).toBe('no-store');
});
