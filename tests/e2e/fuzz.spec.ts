// Hostile input over HTTP, for every form action and endpoint in the route tree, as a caller who
// may use it. Each case starts from a valid submission read from the page's own form and changes
// one thing. Whatever comes back: never a 5xx or a dropped connection, no markup echoed
// unescaped, no redirect off the site, and nothing stored when the request was refused.
// Tests are grouped by area (a failed test restarts its worker, which costs seconds each).
import http from 'node:http';
import type { Page } from '@playwright/test';
import { sql } from 'drizzle-orm';
import { executeRows } from '../../src/lib/server/db';
import { setMfaRequiredRoles } from '../../src/lib/server/auth/mfa';
import { setPassword, updateUserAccess } from '../../src/lib/server/users';
import { activateDefinition, uploadDefinition } from '../../src/lib/server/instruments/store';
import { tinyInstrument } from '../fixtures/tiny-instrument';
import { expect, PASSWORD, test } from './fixtures';
import { formHeaders, routeTree, send, sessionCookie, type Sent } from './route-tree';
import { describeFinding } from './fuzz-harness';
import { fuzzAction, fuzzEndpoint, type ActionFuzz, type Ctx, type EndpointFuzz, type Fixtures, type Target } from './fuzz-runner';

const clickUntil = (button: (p: Page) => ReturnType<Page['getByRole']>, shown: string) => async (page: Page) => {
	// Until hydration, a click does nothing; try again until the form is there.
	await expect(async () => {
		if (await button(page).isVisible()) await button(page).click({ timeout: 1000 });
		await expect(page.locator(shown)).toBeVisible({ timeout: 1000 });
	}).toPass({ timeout: 15_000 });
};
const addPainNrs = clickUntil((p) => p.getByRole('button', { name: 'Add Pain NRS' }), '[name="i:pain_nrs:pain"]');
const correctAnswers = clickUntil((p) => p.getByRole('button', { name: 'Correct answers' }), 'form[action="?/response"] [name="reason"]');

const patient = async ({ s }: Ctx): Promise<Target> => ({ params: { id: await s.patient() } });
const visit = async ({ s }: Ctx): Promise<Target> => ({ params: await s.visit() });
/** A self-report of a new visit, named by the review forms' hidden field. */
const selfReport = (mode: 'link' | 'tablet', answered: boolean) => async ({ s }: Ctx): Promise<Target> => {
	const r = await s.selfReport(mode, answered);
	return { params: { id: r.id, visitId: r.visitId }, values: { linkId: r.linkId } };
};
const targetUser = async ({ s }: Ctx): Promise<Target> => ({ params: { id: (await s.user('researcher')).id } });
const signInAs = async ({ s }: Ctx): Promise<Target> => ({ values: { email: (await s.user('researcher')).email, password: PASSWORD } });

/** The version a refreshed form would show, after an accepted save moved it on. */
const currentVersion = (table: 'patients' | 'visits' | 'responses' | 'adverse_events' | 'flare_episodes', param: string, column = 'id') => async (ctx: Ctx): Promise<Target> => {
	const [row] = await executeRows(ctx.database.db, sql`select version from ${sql.identifier(table)} where ${sql.identifier(column)} = ${ctx.target.params![param]!}::uuid`);
	return { ...ctx.target, values: { ...ctx.target.values, version: String(row?.version) } };
};

/** A fresh instrument id: the fuzz's uploads never meet another spec's. */
const fuzzInstrumentId = () => `fuzz_${crypto.randomUUID().replaceAll('-', '').slice(0, 12)}`;
/** An uploaded, not yet active instrument; the fuzz's earlier ones leave the entry form first. */
const draftInstrument = async ({ database, caller }: Ctx): Promise<Target> => {
	await database.db.execute(sql`update instrument_definitions set status = 'inactive' where instrument_id like 'fuzz\\_%' and status = 'active'`);
	const up = await uploadDefinition(database.db, { id: caller!.id }, JSON.stringify(tinyInstrument({ id: fuzzInstrumentId() })));
	if (!up.ok) throw new Error(up.message);
	return { values: { instrumentId: up.instrumentId, version: up.version } };
};

const ACTION_FUZZ: Record<string, ActionFuzz> = {
	'/login?/password': { caller: 'anonymous', setup: signInAs, stateless: true },
	'/login?/code': { caller: 'pending-verify', baseRefused: 'the caller has no authenticator to give a code' },
	'/login?/cancel': { caller: 'pending-verify' },
	'/login/enrol?/confirm': { caller: 'pending-enrol', baseRefused: 'a code needs the authenticator the user is setting up' },
	'/logout': { caller: 'clinician', page: '/' },
	'/setup': { caller: 'anonymous', fields: ['email', 'name', 'password', 'confirm'], baseRefused: 'set-up is closed once an account exists' },
	'/account?/password': {
		caller: 'researcher',
		linked: { password: 'confirm' },
		setup: async ({ database, caller }) => {
			const reset = await setPassword(database.db, { id: caller!.id }, caller!.id, PASSWORD);
			if (!reset.ok) throw new Error(reset.message);
			return {};
		}
	},
	'/account?/recovery': { caller: 'researcher', fields: ['code'], baseRefused: 'needs two-factor sign-in turned on and a current code' },
	'/account?/disableMfa': { caller: 'researcher', fields: ['mfaPassword'], stateless: true },
	'/account?/token': { caller: 'researcher', stateless: true },
	'/account?/revoke': { caller: 'researcher', setup: async ({ s, caller }) => ({ values: { id: await s.token(caller!.id) } }) },
	'/account?/kioskPin': { caller: 'clinician', setup: async () => ({ values: { pin: '482915', pinPassword: PASSWORD } }), stateless: true },
	'/account/mfa?/confirm': { caller: 'researcher', baseRefused: 'needs the current code from the authenticator being set up' },
	'/patients/new': { caller: 'clinician', stateless: true },
	'/patients/[id]?/archive': { caller: 'clinician', setup: patient },
	'/patients/[id]?/unarchive': { caller: 'clinician', setup: async ({ s }) => ({ params: { id: await s.patient(true) } }) },
	// The form shows only while a time point of a schedule is open; the fuzz's patients have none. Accepted, today's visit exists (a new patient follows).
	'/patients/[id]?/selfReport': { caller: 'clinician', setup: async ({ s }) => ({ params: { id: await s.patient() }, values: { week: '4' } }), fields: ['week'], extra: [['instruments', 'pain_nrs']] },
	'/patients/[id]/edit': {
		caller: 'clinician',
		// The form shows the patient's own reference and name; the next patient has others.
		setup: async ({ s }) => {
			const p = await s.patientRow();
			return { params: { id: p.id }, values: { clinicRef: p.clinicRef, name: p.name } };
		},
		refresh: currentVersion('patients', 'id')
	},
	'/patients/[id]/visits/new': { caller: 'clinician', setup: patient, prepare: addPainNrs, stateless: true },
	'/patients/[id]/visits/[visitId]?/update': { caller: 'clinician', setup: visit, refresh: currentVersion('visits', 'visitId') },
	'/patients/[id]/visits/[visitId]?/void': { caller: 'clinician', setup: visit },
	'/patients/[id]/visits/[visitId]?/restore': { caller: 'clinician', setup: async ({ s }) => ({ params: await s.voidedVisit() }) },
	'/patients/[id]/visits/[visitId]?/response': { caller: 'clinician', setup: visit, prepare: correctAnswers, refresh: currentVersion('responses', 'visitId', 'visit_id') },
	'/patients/[id]/visits/[visitId]?/acknowledgeAlert': { caller: 'clinician', setup: visit, fields: ['alertId'], baseRefused: 'the visit has no safety alert to acknowledge' },
	'/patients/[id]/visits/[visitId]/self-report?/link': { caller: 'clinician', setup: async ({ s }) => ({ params: await s.emptyVisit() }), extra: [['instruments', 'pain_nrs']], stateless: true },
	// The same form's other button (formaction): the fields are the form's; accepted, the session is in patient mode, so a new one follows.
	'/patients/[id]/visits/[visitId]/self-report?/tablet': { caller: 'clinician', setup: async ({ s }) => ({ params: await s.emptyVisit() }), fields: ['hours'], extra: [['instruments', 'pain_nrs']] },
	'/patients/[id]/visits/[visitId]/self-report?/revoke': { caller: 'clinician', setup: selfReport('link', false) },
	'/patients/[id]/visits/[visitId]/self-report?/accept': { caller: 'clinician', setup: selfReport('link', true) },
	'/patients/[id]/visits/[visitId]/self-report?/discard': { caller: 'clinician', setup: selfReport('tablet', true) },
	'/r/[token]?/submit': { caller: 'anonymous', setup: async ({ s }) => ({ params: { token: (await s.selfReport('link')).token } }), extra: [['i:pain_nrs:pain', '3']] },
	'/kiosk?/submit': { caller: 'clinician', session: ({ s, caller }) => s.kioskCookie(caller!.id), extra: [['i:pain_nrs:pain', '3']] },
	'/kiosk?/exit': { caller: 'clinician', session: ({ s, caller }) => s.kioskCookie(caller!.id), fields: ['password'], setup: async () => ({ values: { password: PASSWORD } }) },
	'/patients/[id]/adverse-events/new': { caller: 'clinician', setup: patient, stateless: true },
	'/patients/[id]/adverse-events/[eventId]?/update': { caller: 'clinician', setup: async ({ s }) => ({ params: await s.adverseEvent() }), refresh: currentVersion('adverse_events', 'eventId') },
	'/patients/[id]/adverse-events/[eventId]?/void': { caller: 'clinician', setup: async ({ s }) => ({ params: await s.adverseEvent() }) },
	'/patients/[id]/adverse-events/[eventId]?/acknowledge': { caller: 'admin', setup: async ({ s }) => ({ params: await s.adverseEvent(true) }) },
	'/patients/[id]/flares/new': { caller: 'clinician', setup: patient, stateless: true },
	'/patients/[id]/flares/[flareId]?/update': { caller: 'clinician', setup: async ({ s }) => ({ params: await s.flare() }), refresh: currentVersion('flare_episodes', 'flareId') },
	'/patients/[id]/flares/[flareId]?/void': { caller: 'clinician', setup: async ({ s }) => ({ params: await s.flare() }) },
	'/patients/import?/upload': { caller: 'clinician', stateless: true },
	'/patients/import/[importId]?/map': { caller: 'clinician', setup: async ({ s }) => ({ params: { importId: await s.importReady() } }), stateless: true },
	'/patients/import/[importId]?/dryRun': { caller: 'clinician', setup: async ({ s }) => ({ params: { importId: await s.importReady() } }), stateless: true },
	'/patients/import/[importId]?/commit': { caller: 'clinician', setup: async ({ s }) => ({ params: { importId: await s.importReady(true) } }) },
	'/patients/import/[importId]?/discard': { caller: 'clinician', setup: async ({ s }) => ({ params: { importId: await s.importReady() } }) },
	'/admin/users?/create': { caller: 'admin', stateless: true },
	'/admin/users/[id]?/role': { caller: 'admin', setup: targetUser, stateless: true },
	'/admin/users/[id]?/deactivate': { caller: 'admin', setup: targetUser, stateless: true },
	'/admin/users/[id]?/reactivate': {
		caller: 'admin',
		setup: async ({ s, database, caller }) => {
			const { id } = await s.user('researcher');
			const done = await updateUserAccess(database.db, { id: caller!.id }, id, { active: false });
			if (!done.ok) throw new Error(done.message);
			return { params: { id } };
		},
		stateless: true
	},
	'/admin/users/[id]?/password': { caller: 'admin', setup: targetUser, stateless: true },
	'/admin/users/[id]?/resetMfa': { caller: 'admin', setup: targetUser, fields: [], baseRefused: 'the target has no two-factor sign-in to reset' },
	'/admin/conditions?/add': { caller: 'admin', stateless: true, allConditions: true },
	'/admin/conditions?/keyOutcomes': { caller: 'admin', stateless: true },
	'/admin/ae-categories?/add': { caller: 'admin', stateless: true, allConditions: true },
	'/admin/reference-effects?/add': {
		caller: 'admin',
		// The empty form is not a valid submission: a published effect needs its citation and numbers.
		setup: async () => ({ values: { citation: 'Fuzz et al. 2020', population: 'Adults with RA', conditionCode: '', outcome: 'pain_nrs:score', measure: 'mean_change', effect: '-1.2', ciLow: '-2', ciHigh: '-0.4' } }),
		stateless: true
	},
	'/admin/reference-effects?/withdraw': { caller: 'admin', setup: async ({ s }) => ({ values: { id: await s.referenceEffect() } }), fields: ['id', 'reason'] },
	'/reports/new': { caller: 'researcher', stateless: true, setup: async ({ s }) => ({ values: { title: s.name() } }), extra: [['conditions', 'sle'], ['primary', 'pain_nrs:score']] },
	'/reports/[id]?/lock': { caller: 'researcher', setup: async ({ s }) => ({ params: { id: await s.plan() } }), extra: [['confirm', 'yes']] },
	'/reports/[id]/edit': { caller: 'researcher', setup: async ({ s }) => ({ params: { id: await s.plan() } }), stateless: true },
	'/reports/[id]/version': { caller: 'researcher', setup: async ({ s }) => ({ params: { id: await s.plan(true) } }) },
	'/admin/instruments?/upload': { caller: 'admin', fields: ['definition'], setup: async () => ({ values: { definition: JSON.stringify(tinyInstrument({ id: fuzzInstrumentId() })) } }), stateless: true },
	'/admin/instruments?/activate': { caller: 'admin', fields: ['instrumentId', 'version'], setup: draftInstrument, stateless: true },
	'/admin/instruments?/deactivate': {
		caller: 'admin',
		fields: ['instrumentId'],
		setup: async (ctx) => {
			const { values } = await draftInstrument(ctx);
			const done = await activateDefinition(ctx.database.db, { id: ctx.caller!.id }, String(values!.instrumentId), '1');
			if (!done.ok) throw new Error(done.message);
			return { values: { instrumentId: values!.instrumentId! } };
		}
	},
	'/admin/instruments?/rescorePreview': { caller: 'admin', stateless: true },
	'/admin/instruments?/rescore': { caller: 'admin', fields: ['instrumentId', 'reason'], setup: async () => ({ values: { instrumentId: 'pain_nrs' } }), stateless: true },
	'/admin/schedules/[code]': {
		caller: 'admin',
		// A condition of its own each time: an accepted save moves the schedule's version on.
		setup: async ({ s, database }) => {
			const code = `fz${s.uid()}`.toLowerCase().replace(/[^a-z0-9_]/g, '');
			await database.db.execute(sql`insert into conditions (code, label) values (${code}, ${s.name()})`);
			return { params: { code } };
		}
	},
	'/admin/audit?/verify': { caller: 'admin', stateless: true },
	'/admin/security?/policy': {
		caller: 'admin',
		// Requiring it for a role other specs sign in with would lock them out: only `admin`, which
		// the caller (without two-factor sign-in) is refused; the policy is put back after any change.
		extra: [['role', 'admin']],
		baseRefused: 'requiring two-factor sign-in for administrators needs the caller to have it',
		setup: async ({ database, caller }) => {
			await setMfaRequiredRoles(database.db, { id: caller!.id }, []);
			return {};
		}
	},
	'/admin/security?/clear': { caller: 'admin', fields: ['kind', 'key'], stateless: true }
};

const runOutcome = (sent: Sent) => {
	const last = sent.body.trim().split('\n').pop() ?? '';
	try {
		const line = JSON.parse(last) as { type?: string; ok?: boolean };
		return sent.status === 200 && line.type === 'done' && line.ok === true;
	} catch {
		return false;
	}
};

const ENDPOINT_FUZZ: Record<string, EndpointFuzz> = {
	'GET /healthz': { caller: 'anonymous', stateless: true },
	'GET /api/me': { caller: 'researcher', stateless: true },
	'GET /api/cohort/trend': { caller: 'researcher', queryForm: '/cohort', stateless: true },
	'GET /api/export.csv': { caller: 'researcher', queryForm: '/export', query: [['instruments', 'pain_nrs']], stateless: true },
	'GET /api/export-events.csv': { caller: 'researcher', queryForm: '/export', query: [['instruments', 'pain_nrs']], stateless: true },
	'GET /api/safety': { caller: 'researcher', queryForm: '/safety', stateless: true },
	'POST /api/plans': { caller: 'researcher', json: [['title', '"Fuzz plan"'], ['conditions', '["sle"]'], ['primary', '{"instrument":"pain_nrs","scale":"score"}'], ['timepoint', '{"weeks":8,"window_weeks":2}'], ['secondary', '[]'], ['primary_population', '"completers"']], stateless: true },
	'POST /api/plans/[id]/lock': { caller: 'researcher', setup: async ({ s }) => ({ params: { id: await s.plan() } }) },
	'POST /api/plans/[id]/versions': { caller: 'researcher', setup: async ({ s }) => ({ params: { id: await s.plan(true) } }), json: [['plan', '{"title":"Fuzz v2","conditions":["sle"],"primary":{"instrument":"pain_nrs","scale":"score"},"timepoint":{"visit":2},"secondary":[],"primary_population":"completers"}'], ['reason', '"Fuzz reason"']] },
	'GET /api/reports/[id]': { caller: 'researcher', setup: async ({ s }) => ({ params: { id: await s.plan(true) } }), stateless: true },
	'GET /api/reports/[id]/aggregates.csv': { caller: 'researcher', setup: async ({ s }) => ({ params: { id: await s.plan(true) } }), stateless: true },
	'GET /fhir/Questionnaire/[id]': { caller: 'researcher', setup: async () => ({ params: { id: 'fss9' } }), query: [['version', '1989']], stateless: true },
	'GET /export/download': { caller: 'researcher', queryForm: '/export', query: [['instruments', 'pain_nrs']], stateless: true },
	'GET /export/events': { caller: 'researcher', queryForm: '/export', query: [['instruments', 'pain_nrs']], stateless: true },
	'GET /export/codebook': { caller: 'researcher', queryForm: '/export', query: [['instruments', 'pain_nrs']], stateless: true },
	'GET /patients/import/codebook': { caller: 'clinician', stateless: true },
	'GET /patients/import/template.csv': { caller: 'clinician', stateless: true },
	'POST /patients/import/upload': { caller: 'clinician', json: [['fileName', '"fuzz.csv"'], ['size', '100']], stateless: true },
	'PUT /patients/import/[importId]/part': {
		caller: 'clinician',
		setup: async ({ s }) => ({ params: { importId: await s.uploadStarted(0) } }),
		query: [['seq', '0']],
		body: (s) => s.csv()
	},
	'POST /patients/import/[importId]/finish': { caller: 'clinician', setup: async ({ s }) => ({ params: { importId: await s.uploadStarted(1) } }) },
	'POST /patients/import/[importId]/run': {
		caller: 'clinician',
		setup: async ({ s }) => ({ params: { importId: await s.importReady() } }),
		json: [['mode', '"dry"']],
		acceptedIf: runOutcome
	},
	'GET /patients/import/[importId]/issues.csv': { caller: 'clinician', setup: async ({ s }) => ({ params: { importId: await s.importReady(true) } }), stateless: true },
	'POST /api/visits/[visitId]/self-report': { caller: 'clinician', setup: async ({ s }) => ({ params: await s.emptyVisit() }), json: [['instruments', '["pain_nrs"]'], ['hours', '24']], stateless: true },
	'DELETE /api/self-report/[id]': { caller: 'clinician', setup: async ({ s }) => ({ params: { id: (await s.selfReport('link')).linkId } }) }
};

/** The area a key belongs to: one test each. */
function area(key: string): string {
	const [first, second] = key.replace(/^[A-Z]+ /, '').split('?')[0]!.split('/').filter(Boolean);
	if (first === 'login' || first === 'logout' || first === 'setup') return 'sign-in';
	if (first === 'patients') return second === 'import' ? 'import' : key.includes('[visitId]') ? 'visits' : /adverse-events|flares/.test(key) ? 'safety' : 'patients';
	if (first === 'admin') return second === 'users' ? 'admin users' : 'admin';
	if (first === 'reports' || (first === 'api' && (second === 'plans' || second === 'reports'))) return 'evidence';
	if (first === 'api' || first === 'export' || first === 'healthz') return 'API and export';
	return first ?? '/';
}

function byArea<T>(table: Record<string, T>): Map<string, [string, T][]> {
	const groups = new Map<string, [string, T][]>();
	for (const entry of Object.entries(table)) groups.set(area(entry[0]), [...(groups.get(area(entry[0])) ?? []), entry]);
	return groups;
}

const tree = routeTree();

test('the fuzz tables cover every form action and endpoint in the route tree', () => {
	expect.soft(Object.keys(ACTION_FUZZ).sort(), 'form actions').toEqual(tree.actions);
	expect.soft(Object.keys(ENDPOINT_FUZZ).sort(), 'endpoints').toEqual(tree.endpoints);
});

// The fuzz opens a connection per request; browsers and proxies keep them open. A request the
// server answers before reading its body must not break the next one on the same connection.
test('a kept-alive connection still answers after a request the server answered before reading its body', async ({ baseURL, makeUser, database }) => {
	const clinician = await makeUser('clinician');
	const big = `clinicRef=${'x'.repeat(600 * 1024)}`;
	const early = [
		{ label: 'over the size limit, content-length', cookie: await sessionCookie(database, clinician.id), chunked: false, body: big, status: 413 },
		{ label: 'over the size limit, chunked', cookie: await sessionCookie(database, clinician.id), chunked: true, body: big, status: 413 },
		{ label: 'anonymous (sent to sign in), content-length', cookie: undefined, chunked: false, body: big, status: 303 },
		{ label: 'anonymous (sent to sign in), chunked', cookie: undefined, chunked: true, body: big, status: 303 }
	];
	for (const e of early) {
		const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
		try {
			const first = await send(baseURL!, '/patients/new', { method: 'POST', headers: formHeaders(baseURL!), body: e.body, cookie: e.cookie, chunked: e.chunked, agent });
			const next = await send(baseURL!, '/healthz', { agent, timeoutMs: 10_000 });
			expect.soft(first.status, `${e.label}: the first answer`).toBe(e.status);
			expect.soft(next.error ?? next.status, `${e.label}: the next request on the same connection (${next.ms} ms)`).toBe(200);
		} finally {
			agent.destroy();
		}
	}
});


/** Runs each entry's fuzz in turn; every action or endpoint reports on its own. */
async function fuzzEach<T extends ActionFuzz | EndpointFuzz>(entries: [string, T][], known: string[], fuzz: (key: string, spec: T, f: Fixtures) => ReturnType<typeof fuzzAction>, f: Fixtures) {
	const testInfo = test.info();
	for (const [key, spec] of entries) {
		if (!known.includes(key)) continue; // gone from the route tree: the coverage test says so
		try {
			const { run, baseAccepted } = await fuzz(key, spec, f);
			const summary = await run.report(testInfo);
			console.log(`[fuzz] ${key}: ${summary.requests} requests, ${summary.accepted} accepted, ${summary.escapedEchoes} escaped echoes, statuses ${JSON.stringify(summary.statuses)}, ${summary.seconds.toFixed(1)} s, ${summary.findings.length} findings`);
			const refused = 'baseRefused' in spec ? spec.baseRefused : undefined;
			if (refused) testInfo.annotations.push({ type: 'base refused', description: `${key}: ${refused}` });
			else expect.soft(baseAccepted, `${key}: the base (valid) payload is accepted`).toBe(true);
			expect.soft(run.findings.map(describeFinding), key).toEqual([]);
		} catch (err) {
			expect.soft(String(err), `${key}: the fuzz ran to the end`).toBe('');
		}
	}
}

for (const [group, entries] of byArea(ACTION_FUZZ)) {
	test(`fuzz form actions: ${group}`, async ({ database, browser, baseURL, makeUser }, testInfo) => {
		test.setTimeout(240_000);
		await fuzzEach(entries, tree.actions, fuzzAction, { database, browser, baseURL: baseURL!, makeUser, tracePath: testInfo.outputPath('requests.log') });
	});
}

for (const [group, entries] of byArea(ENDPOINT_FUZZ)) {
	test(`fuzz endpoints: ${group}`, async ({ database, browser, baseURL, makeUser }, testInfo) => {
		test.setTimeout(240_000);
		await fuzzEach(entries, tree.endpoints, fuzzEndpoint, { database, browser, baseURL: baseURL!, makeUser, tracePath: testInfo.outputPath('requests.log') });
	});
}
