// Every page, form action and endpoint in the route tree, for every role: the tables below say who
// may call each. One that is not in its table fails here, so it cannot ship without a decision
// about its guard. The actions and endpoints are read from the source (route-tree.ts).
import { expect, test, type TestUser } from './fixtures';
import { fillRoute, formHeaders, routeTree, send, sessionCookie, type Sent } from './route-tree';

type Role = 'admin' | 'clinician' | 'researcher';
type Access = 'public' | readonly Role[];
const ALL = ['admin', 'clinician', 'researcher'] as const;
const CLINICAL = ['admin', 'clinician'] as const;
const ADMIN = ['admin'] as const;
// Analysis plans are written by researchers and administrators; everyone reads the reports.
const WRITERS = ['admin', 'researcher'] as const;

const PAGES: Record<string, Access> = {
	'/': ALL,
	'/login': 'public',
	'/login/enrol': 'public',
	'/logout': 'public',
	'/setup': 'public',
	'/account': ALL,
	'/account/mfa': ALL,
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
	'/patients/[id]/visits/[visitId]/self-report': CLINICAL,
	'/patients/[id]/adverse-events/new': CLINICAL,
	'/patients/[id]/adverse-events/[eventId]': CLINICAL,
	'/patients/[id]/flares/new': CLINICAL,
	'/patients/[id]/flares/[flareId]': CLINICAL,
	'/safety': ALL,
	'/due': CLINICAL,
	'/completion': ALL,
	'/admin/schedules': ADMIN,
	'/admin/schedules/[code]': ADMIN,
	'/admin/users': ADMIN,
	'/admin/users/[id]': ADMIN,
	'/admin/conditions': ADMIN,
	'/admin/audit': ADMIN,
	'/admin/security': ADMIN,
	'/admin/ae-categories': ADMIN,
	'/admin/instruments': ADMIN,
	// The patient's pages: a one-time link (the token is the key) and its thank-you page; patient
	// mode on a tablet, which only a session a clinician put into it opens (anyone else: 404).
	'/r/[token]': 'public',
	'/r/thanks': 'public',
	'/kiosk': 'public',
	'/admin/reference-effects': ADMIN,
	'/reports': ALL,
	'/reports/new': WRITERS,
	'/reports/[id]': ALL,
	'/reports/[id]/edit': WRITERS,
	'/reports/[id]/version': WRITERS
};

// The URL each form posts to: the page for a default action, `?/name` for a named one.
// Public: the sign-in flow, which must answer without a session (each checks its own state:
// /setup only while no account exists, /login?/code and /login/enrol only with a pending sign-in).
const ACTIONS: Record<string, Access> = {
	'/login?/password': 'public',
	'/login?/code': 'public',
	'/login?/cancel': 'public',
	'/login/enrol?/confirm': 'public',
	'/logout': 'public',
	'/setup': 'public',
	'/account?/password': ALL,
	'/account?/recovery': ALL,
	'/account?/disableMfa': ALL,
	'/account?/token': ALL,
	'/account?/revoke': ALL,
	'/account?/kioskPin': CLINICAL,
	'/account/mfa?/confirm': ALL,
	'/patients/new': CLINICAL,
	'/patients/[id]?/archive': CLINICAL,
	'/patients/[id]?/unarchive': CLINICAL,
	'/patients/[id]?/selfReport': CLINICAL,
	'/patients/[id]/edit': CLINICAL,
	'/patients/[id]/visits/new': CLINICAL,
	'/patients/[id]/visits/[visitId]?/update': CLINICAL,
	'/patients/[id]/visits/[visitId]?/void': CLINICAL,
	'/patients/[id]/visits/[visitId]?/restore': CLINICAL,
	'/patients/[id]/visits/[visitId]?/response': CLINICAL,
	'/patients/[id]/visits/[visitId]?/acknowledgeAlert': CLINICAL,
	'/patients/[id]/visits/[visitId]/self-report?/link': CLINICAL,
	'/patients/[id]/visits/[visitId]/self-report?/tablet': CLINICAL,
	'/patients/[id]/visits/[visitId]/self-report?/revoke': CLINICAL,
	'/patients/[id]/visits/[visitId]/self-report?/accept': CLINICAL,
	'/patients/[id]/visits/[visitId]/self-report?/discard': CLINICAL,
	// The patient's: the link's token, or a session in patient mode, is what they check.
	'/r/[token]?/submit': 'public',
	'/kiosk?/submit': 'public',
	'/kiosk?/exit': 'public',
	'/patients/[id]/adverse-events/new': CLINICAL,
	'/patients/[id]/adverse-events/[eventId]?/update': CLINICAL,
	'/patients/[id]/adverse-events/[eventId]?/void': CLINICAL,
	// Acknowledging a serious event is for administrators alone (who and when are recorded).
	'/patients/[id]/adverse-events/[eventId]?/acknowledge': ADMIN,
	'/patients/[id]/flares/new': CLINICAL,
	'/patients/[id]/flares/[flareId]?/update': CLINICAL,
	'/patients/[id]/flares/[flareId]?/void': CLINICAL,
	'/patients/import?/upload': CLINICAL,
	'/patients/import/[importId]?/map': CLINICAL,
	'/patients/import/[importId]?/dryRun': CLINICAL,
	'/patients/import/[importId]?/commit': CLINICAL,
	'/patients/import/[importId]?/discard': CLINICAL,
	'/admin/users?/create': ADMIN,
	'/admin/users/[id]?/role': ADMIN,
	'/admin/users/[id]?/deactivate': ADMIN,
	'/admin/users/[id]?/reactivate': ADMIN,
	'/admin/users/[id]?/password': ADMIN,
	'/admin/users/[id]?/resetMfa': ADMIN,
	'/admin/conditions?/add': ADMIN,
	'/admin/conditions?/keyOutcomes': ADMIN,
	'/admin/ae-categories?/add': ADMIN,
	'/admin/reference-effects?/add': ADMIN,
	'/admin/reference-effects?/withdraw': ADMIN,
	'/reports/new': WRITERS,
	'/reports/[id]?/lock': WRITERS,
	'/reports/[id]/edit': WRITERS,
	'/reports/[id]/version': WRITERS,
	'/admin/instruments?/upload': ADMIN,
	'/admin/instruments?/activate': ADMIN,
	'/admin/instruments?/deactivate': ADMIN,
	'/admin/instruments?/rescorePreview': ADMIN,
	'/admin/instruments?/rescore': ADMIN,
	'/admin/schedules/[code]': ADMIN,
	'/admin/audit?/verify': ADMIN,
	'/admin/security?/policy': ADMIN,
	'/admin/security?/clear': ADMIN
};

// Under /api/ an anonymous caller gets 401 JSON (scripts); elsewhere 303 to /login like a page.
const ENDPOINTS: Record<string, Access> = {
	'GET /healthz': 'public',
	'GET /api/me': ALL,
	'GET /api/cohort/trend': ALL,
	'GET /api/export.csv': ALL,
	'GET /api/export-events.csv': ALL,
	'GET /api/safety': ALL,
	'POST /api/plans': WRITERS,
	'POST /api/plans/[id]/lock': WRITERS,
	'POST /api/plans/[id]/versions': WRITERS,
	'GET /api/reports/[id]': ALL,
	'GET /api/reports/[id]/aggregates.csv': ALL,
	'GET /export/codebook': ALL,
	'GET /export/download': ALL,
	'GET /export/events': ALL,
	'GET /fhir/Questionnaire/[id]': ALL,
	'GET /patients/import/codebook': CLINICAL,
	'GET /patients/import/template.csv': CLINICAL,
	'POST /patients/import/upload': CLINICAL,
	'PUT /patients/import/[importId]/part': CLINICAL,
	'POST /patients/import/[importId]/finish': CLINICAL,
	'POST /patients/import/[importId]/run': CLINICAL,
	'GET /patients/import/[importId]/issues.csv': CLINICAL,
	'POST /api/visits/[visitId]/self-report': CLINICAL,
	'DELETE /api/self-report/[id]': CLINICAL
};

const tree = routeTree();

test('the access tables cover every page, action and endpoint in the route tree', () => {
	expect.soft(tree.pages, 'pages').toEqual(Object.keys(PAGES).sort());
	expect.soft(tree.actions, 'form actions').toEqual(Object.keys(ACTIONS).sort());
	expect.soft(tree.endpoints, 'endpoints').toEqual(Object.keys(ENDPOINTS).sort());
});

test('no page mixes a default action with named ones (SvelteKit answers every POST to it with 500)', () => {
	const named = new Set(tree.actions.filter((a) => a.includes('?/')).map((a) => a.slice(0, a.indexOf('?/'))));
	expect.soft(tree.actions.filter((a) => !a.includes('?/') && named.has(a))).toEqual([]);
});

const guarded = Object.entries(PAGES).filter(([, access]) => access !== 'public') as [string, readonly string[]][];

test('anonymous visitors are sent to sign in from every guarded page', async ({ request, makeUser }) => {
	await makeUser('researcher'); // on a fresh database, / would otherwise send to /setup
	for (const [route] of guarded) {
		const url = fillRoute(route);
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
			const url = fillRoute(route);
			const response = await page.request.get(url, { maxRedirects: 0 });
			if (roles.includes(role)) {
				// Allowed: the page answers (404 for the made-up id), never 401/403. A page may send the
				// caller to its own canonical address (the cohort page adds its default scale).
				const location = response.headers()['location'];
				const toItself = response.status() === 303 && location !== undefined && new URL(location, 'http://x').pathname === url.split('?')[0];
				if (!toItself) expect([200, 404], `${role} ${url}`).toContain(response.status());
			} else {
				expect(response.status(), `${role} ${url}`).toBe(403);
			}
		}
	});
}

/** What the guard answers someone who is not signed in: 401 on the API, else 303 to sign in and back. */
function expectSentToSignIn(sent: Sent, url: string, what: string) {
	expect.soft(sent.error, what).toBeUndefined();
	if (new URL(url, 'http://x').pathname.startsWith('/api/')) {
		expect.soft(sent.status, what).toBe(401);
	} else {
		expect.soft(sent.status, what).toBe(303);
		expect.soft(sent.headers.get('location'), what).toBe(`/login?next=${encodeURIComponent(url)}`);
	}
}

/** Allowed (or public): whatever the empty request earns, it is not the guard's answer. */
function expectLetThrough(sent: Sent, url: string, what: string) {
	expect.soft(sent.error, what).toBeUndefined();
	expect.soft([401, 403], `${what}: ${sent.status}`).not.toContain(sent.status);
	expect.soft(sent.status, what).toBeLessThan(500);
	expect.soft(sent.headers.get('location') ?? '', what).not.toMatch(/^\/login\?next=/);
}

// An empty form post, as a browser without JavaScript sends it (same origin, HTML accepted).
function postAction(baseURL: string, url: string, cookie?: string) {
	return send(baseURL, url, { method: 'POST', headers: formHeaders(baseURL), body: '', cookie });
}

// An endpoint called with an empty body (the methods that take one).
async function callEndpoint(baseURL: string, key: string, cookie?: string) {
	const [method, route] = key.split(' ') as [string, string];
	const url = fillRoute(route);
	const body = method === 'GET' || method === 'HEAD' ? undefined : '';
	return { url, sent: await send(baseURL, url, { method, headers: { origin: new URL(baseURL).origin }, body, cookie }) };
}

test('anonymous callers are refused by every guarded action and endpoint; the sign-in flow answers them', async ({ makeUser, baseURL }) => {
	await makeUser('researcher'); // closes /setup, as on any instance in use
	for (const [route, access] of Object.entries(ACTIONS)) {
		const url = fillRoute(route);
		const sent = await postAction(baseURL!, url);
		if (access === 'public') expectLetThrough(sent, url, `anonymous POST ${url}`);
		else expectSentToSignIn(sent, url, `anonymous POST ${url}`);
	}
	for (const [key, access] of Object.entries(ENDPOINTS)) {
		const { url, sent } = await callEndpoint(baseURL!, key);
		if (access === 'public') expectLetThrough(sent, url, `anonymous ${key}`);
		else expectSentToSignIn(sent, url, `anonymous ${key}`);
	}
});

for (const role of ALL) {
	test(`a ${role} gets 403 from every action and endpoint their role may not call, and through to the others`, async ({ makeUser, database, baseURL }) => {
		const user = await makeUser(role);
		// A new session for each request: /logout (public) ends the one it is sent with.
		for (const [route, access] of Object.entries(ACTIONS)) {
			const url = fillRoute(route);
			const sent = await postAction(baseURL!, url, await sessionCookie(database, user.id));
			if (access === 'public' || access.includes(role)) expectLetThrough(sent, url, `${role} POST ${url}`);
			else expect.soft(sent.status, `${role} POST ${url}`).toBe(403);
		}
		for (const [key, access] of Object.entries(ENDPOINTS)) {
			const { url, sent } = await callEndpoint(baseURL!, key, await sessionCookie(database, user.id));
			if (access === 'public' || access.includes(role)) expectLetThrough(sent, url, `${role} ${key}`);
			else expect.soft(sent.status, `${role} ${key}`).toBe(403);
		}
	});
}
