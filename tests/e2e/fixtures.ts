/**
 * Fixtures for the PostgreSQL end-to-end specs: users are made with the app's own domain code
 * against the server's database, and a signed-in page gets a real session cookie.
 */
import { test as base, expect, type Browser, type Page } from '@playwright/test';
import { openDatabase, type Database } from '../../src/lib/server/db';
import { createUser } from '../../src/lib/server/users';
import { createSession, generateSessionToken, SESSION_COOKIE } from '../../src/lib/server/auth/session';
import type { Role } from '../../src/lib/server/db/schema';
import { e2eDatabaseUrl } from './database-url.js';

export const PASSWORD = 'a long enough passphrase';

export interface TestUser {
	id: string;
	email: string;
	name: string;
	role: Role;
}

interface Fixtures {
	makeUser: (role: Role) => Promise<TestUser>;
	signedIn: (user: TestUser) => Promise<Page>;
}

/**
 * `page.goto` that also waits for the app to hydrate (the root layout marks <html
 * data-hydrated>): text typed into a server-rendered field before hydration can be wiped by it.
 */
export function waitsForHydration(page: Page): Page {
	const goto = page.goto.bind(page);
	page.goto = async (url, options) => {
		const response = await goto(url, options);
		await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
		return response;
	};
	return page;
}

/**
 * Patient pages are checked on a 360-pixel-wide phone (the smallest) and at 200% zoom.
 * Browser zoom halves the CSS pixels a window holds and doubles the device pixel ratio, so the
 * suite's 1280 × 800 desktop at 200% is a 640 × 400 CSS-pixel viewport at deviceScaleFactor 2:
 * the same layout as the zoomed window (media queries and reflow included), which CSS `zoom` on
 * the page would not give.
 */
export const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true } as const;
export const ZOOM_200 = { viewport: { width: 640, height: 400 }, deviceScaleFactor: 2 } as const;

/** Nothing wider than the viewport: no sideways scrolling (WCAG 1.4.10 reflow). */
export async function expectNoHorizontalOverflow(page: Page, width: number, where = page.url()) {
	const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
	expect(scrollWidth, `${where}: page width at a ${width}-pixel viewport`).toBeLessThanOrEqual(width);
}

export const test = base.extend<Fixtures, { database: Database }>({
	page: async ({ page }, use) => {
		await use(waitsForHydration(page));
	},
	database: [
		async ({}, use) => {
			const database = await openDatabase({ url: e2eDatabaseUrl(), max: 2 });
			await use(database);
			await database.close();
		},
		{ scope: 'worker' }
	],
	makeUser: async ({ database }, use, testInfo) => {
		let n = 0;
		await use(async (role) => {
			n++;
			const tag = `${testInfo.workerIndex}-${testInfo.testId}-${n}`.replace(/[^a-z0-9-]/gi, '');
			const email = `${role}-${tag}@clinic.test`;
			const name = `${role[0]!.toUpperCase()}${role.slice(1)} ${tag.slice(-6)}`;
			const result = await createUser(database.db, { id: null }, { email, name, role, password: PASSWORD });
			if (!result.ok) throw new Error(result.message);
			return { id: result.value, email, name, role };
		});
	},
	signedIn: async ({ database, browser, baseURL }, use) => {
		const pages: Page[] = [];
		await use(async (user) => {
			const page = await newSignedInPage(browser, baseURL!, database, user.id);
			pages.push(page);
			return page;
		});
		for (const page of pages) await page.context().close();
	}
});

async function newSignedInPage(browser: Browser, baseURL: string, database: Database, userId: string) {
	const token = generateSessionToken();
	const session = await createSession(database.db, token, userId, { idleMinutes: 60, maxHours: 12 });
	const context = await browser.newContext({ baseURL });
	await context.addCookies([
		{
			name: SESSION_COOKIE,
			value: token,
			url: baseURL,
			httpOnly: true,
			sameSite: 'Lax',
			expires: Math.floor(session.expiresAt.getTime() / 1000)
		}
	]);
	return waitsForHydration(await context.newPage());
}

export { expect };
