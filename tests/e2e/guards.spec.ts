// Every page in the route tree, for every role: the table below says who may open it. A new page
// that is not in the table fails here, so it cannot ship without a decision about its guard.
import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type TestUser } from './fixtures';

type Access = 'public' | readonly ('admin' | 'clinician' | 'researcher')[];
const ALL = ['admin', 'clinician', 'researcher'] as const;
const CLINICAL = ['admin', 'clinician'] as const;

const PAGES: Record<string, Access> = {
	'/': ALL,
	'/login': 'public',
	'/logout': 'public',
	'/setup': 'public',
	'/account': ALL,
	'/cohort': ALL,
	'/export': ALL,
	'/patients': CLINICAL,
	'/patients/new': CLINICAL,
	'/patients/import': CLINICAL,
	'/patients/import/[importId]': CLINICAL,
	'/patients/[id]': CLINICAL,
	'/patients/[id]/edit': CLINICAL,
	'/patients/[id]/visits/new': CLINICAL,
	'/patients/[id]/visits/[visitId]': CLINICAL,
	'/admin/users': ['admin'],
	'/admin/users/[id]': ['admin'],
	'/admin/conditions': ['admin'],
	'/admin/audit': ['admin']
};

function pageRoutes(dir = path.resolve('src/routes'), prefix = ''): string[] {
	const found: string[] = [];
	for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
		if (entry.isDirectory()) {
			const segment = /^\(.*\)$/.test(entry.name) ? '' : `/${entry.name}`;
			found.push(...pageRoutes(path.join(dir, entry.name), prefix + segment));
		} else if (entry.name === '+page.svelte' || entry.name === '+page.server.ts') {
			found.push(prefix || '/');
		}
	}
	return [...new Set(found)];
}

test('the access table covers every page in the route tree', () => {
	expect(pageRoutes().sort()).toEqual(Object.keys(PAGES).sort());
});

const FAKE_ID = '00000000-0000-4000-8000-000000000000';
const guarded = Object.entries(PAGES).filter(([, access]) => access !== 'public') as [string, readonly string[]][];

test('anonymous visitors are sent to sign in from every guarded page', async ({ request }) => {
	for (const [route] of guarded) {
		const url = route.replace(/\[\w+\]/g, FAKE_ID);
		const response = await request.get(url, { maxRedirects: 0 });
		expect(response.status(), url).toBe(303);
		expect(response.headers()['location'], url).toMatch(/^\/login/);
	}
});

for (const role of ALL) {
	test(`a ${role} gets 403 from every page their role may not open`, async ({ makeUser, signedIn }) => {
		const user: TestUser = await makeUser(role);
		const page = await signedIn(user);
		for (const [route, roles] of guarded) {
			const url = route.replace(/\[\w+\]/g, FAKE_ID);
			const response = await page.request.get(url, { maxRedirects: 0 });
			if (roles.includes(role)) {
				// Allowed: the page answers (404 for the made-up id), never 401/403.
				expect([200, 404], `${role} ${url}`).toContain(response.status());
			} else {
				expect(response.status(), `${role} ${url}`).toBe(403);
			}
		}
	});
}
