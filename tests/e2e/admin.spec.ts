import { expect, PASSWORD, test, waitsForHydration } from './fixtures';
import { createApiToken } from '../../src/lib/server/auth/tokens';

test('an admin creates a clinician, who can sign in but cannot reach the admin pages', async ({
	makeUser,
	signedIn,
	browser,
	baseURL
}) => {
	const admin = await makeUser('admin');
	const page = await signedIn(admin);
	await page.goto('/admin/users');
	const email = `new-clinician-${Date.now()}@clinic.test`;

	await page.getByLabel('Name').fill('Cleo Clinician');
	await page.getByLabel('Email').fill(email);
	await page.getByLabel('Role').selectOption('clinician');
	await page.getByLabel('Initial password').fill('too short');
	await page.getByRole('button', { name: 'Create user' }).click();
	await expect(page.getByText('Use at least 12 characters.')).toBeVisible();
	await expect(page.getByLabel('Name')).toHaveValue('Cleo Clinician');

	await page.getByLabel('Initial password').fill(PASSWORD);
	await page.getByRole('button', { name: 'Create user' }).click();
	await expect(page.getByText('Account created.')).toBeVisible();
	await expect(page.getByRole('heading', { name: 'Cleo Clinician' })).toBeVisible();

	const other = waitsForHydration(await (await browser.newContext({ baseURL })).newPage());
	await other.goto('/login');
	await other.getByLabel('Email').fill(email);
	await other.getByLabel('Password').fill(PASSWORD);
	await other.getByRole('button', { name: 'Sign in' }).click();
	await expect(other.getByRole('heading', { name: 'Welcome, Cleo Clinician' })).toBeVisible();

	const response = await other.goto('/admin/users');
	expect(response?.status()).toBe(403);
	await expect(other.getByRole('heading', { name: 'Not allowed' })).toBeVisible();
	// The form action checks the role too, not only the page.
	const post = await other.request.post('/admin/users?/create', {
		form: { name: 'X', email: 'x@clinic.test', role: 'admin', password: PASSWORD },
		headers: { origin: baseURL! }
	});
	expect(post.status()).toBe(403);
	await other.context().close();
});

test('a researcher cannot open patient pages', async ({ makeUser, signedIn }) => {
	const page = await signedIn(await makeUser('researcher'));
	const response = await page.goto('/patients');
	expect(response?.status()).toBe(403);
	expect((await page.request.get('/api/me')).status()).toBe(200);
});

test("deactivating a user ends their open session at once", async ({ makeUser, signedIn }) => {
	const admin = await makeUser('admin');
	const clinician = await makeUser('clinician');
	const theirs = await signedIn(clinician);
	await theirs.goto('/patients');
	await expect(theirs.getByRole('heading', { name: 'Patients' })).toBeVisible();

	const mine = await signedIn(admin);
	await mine.goto(`/admin/users/${clinician.id}`);
	await mine.getByRole('button', { name: 'Deactivate' }).click();
	await expect(mine.getByText('Account deactivated; its sessions have ended and its API tokens are revoked.')).toBeVisible();

	await theirs.reload();
	await expect(theirs).toHaveURL(/\/login\?next=%2Fpatients$/);
});

test('an API token made before a deactivation stops at once and stays dead after re-activation', async ({ makeUser, signedIn, database, request }) => {
	const admin = await makeUser('admin');
	const researcher = await makeUser('researcher');
	const { token } = await createApiToken(database.db, researcher, 'nightly export');
	const me = () => request.get('/api/me', { headers: { authorization: `Bearer ${token}` } });
	expect((await me()).status()).toBe(200);

	const mine = await signedIn(admin);
	await mine.goto(`/admin/users/${researcher.id}`);
	await mine.getByRole('button', { name: 'Deactivate' }).click();
	await expect(mine.getByText('its API tokens are revoked')).toBeVisible();
	expect((await me()).status()).toBe(401);
	await mine.getByRole('button', { name: 'Re-activate' }).click();
	await expect(mine.getByText('Its old API tokens stay revoked')).toBeVisible();
	expect((await me()).status()).toBe(401);
});

test('changing a role ends the user’s sessions', async ({ makeUser, signedIn }) => {
	const admin = await makeUser('admin');
	const researcher = await makeUser('researcher');
	const theirs = await signedIn(researcher);
	await theirs.goto('/cohort');
	const mine = await signedIn(admin);
	await mine.goto(`/admin/users/${researcher.id}`);
	await mine.getByLabel('Role').selectOption('clinician');
	await mine.getByRole('button', { name: 'Save role' }).click();
	await expect(mine.getByText('Role saved')).toBeVisible();
	await theirs.reload();
	await expect(theirs).toHaveURL(/\/login/);
});

test('the audit log lists changes with before and after, filters them, and verifies the chain', async ({ makeUser, signedIn }) => {
	const admin = await makeUser('admin');
	const clinician = await makeUser('clinician');
	const page = await signedIn(admin);
	await page.goto(`/admin/users/${clinician.id}`);
	await page.getByLabel('Role').selectOption('researcher');
	await page.getByRole('button', { name: 'Save role' }).click();
	await expect(page.getByText('Role saved')).toBeVisible();

	await page.goto('/admin/audit');
	await page.getByRole('combobox', { name: 'User', exact: true }).selectOption(admin.id);
	await page.getByRole('combobox', { name: 'Action', exact: true }).selectOption('change_role');
	await page.getByRole('button', { name: 'Filter' }).click();
	const rows = page.locator('table.audit tbody tr');
	await expect(rows).toHaveCount(1);
	await expect(rows.first().locator('dd.changed')).toHaveText(['clinician', 'researcher']);

	await page.getByRole('button', { name: 'Verify chains' }).click();
	await expect(page.getByText(/Every chain intact: \d+ entries checked\./)).toBeVisible();
});

test("each role's menu fits the screen: every link inside it at 1280 and at 768 pixels, none cut off", async ({ makeUser, signedIn }) => {
	for (const role of ['admin', 'clinician', 'researcher'] as const) {
		const page = await signedIn(await makeUser(role));
		for (const width of [1280, 768]) {
			await page.setViewportSize({ width, height: 800 });
			await page.goto('/');
			const links = page.getByRole('navigation', { name: 'Main' }).getByRole('link');
			expect(await links.count()).toBeGreaterThan(3);
			for (const link of await links.all()) {
				const box = (await link.boundingBox())!;
				expect(box.x + box.width, `${role} at ${width}: ${await link.textContent()}`).toBeLessThanOrEqual(width);
			}
			expect(await page.evaluate(() => document.documentElement.scrollWidth), `${role} at ${width}: no sideways scrolling`).toBeLessThanOrEqual(width);
		}
	}
});
