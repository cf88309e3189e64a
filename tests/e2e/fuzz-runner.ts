/**
 * Runs the fuzz cases for one form action or endpoint: makes the caller and the target, reads
 * the valid base payload from the page's form, sends every case through FuzzRun's checks, and
 * makes a fresh target after each request that was accepted.
 */
import type { Browser, Page } from '@playwright/test';
import { sql } from 'drizzle-orm';
import type { Database } from '../../src/lib/server/db';
import type { Role } from '../../src/lib/server/db/schema';
import { PART_BYTES } from '../../src/lib/server/import';
import { PASSWORD } from './fixtures';
import { fillRoute, sessionCookie, type Sent } from './route-tree';
import { FuzzRun, newScope } from './fuzz-harness';
import { baseFrom, encode, fieldCases, materialize, paramCases, readForm, requestCases, withValues, type BaseEntry, type BaseValue, type Case } from './fuzz-cases';
import { JSON_PAYLOADS, jsonObject, query as toQuery, type Entry, type FilePart } from './fuzz-payloads';
import { NEW_PASSWORD, Seeder } from './fuzz-targets';

export type Caller = Role | 'anonymous' | 'pending-verify' | 'pending-enrol';
export interface Ctx {
	s: Seeder;
	database: Database;
	caller: { id: string; email: string } | null;
	/** What the last setup returned (for a refresh that only moves a version on). */
	target: Target;
}
export interface Target {
	params?: Record<string, string>;
	values?: Record<string, BaseValue>;
}

export interface ActionFuzz {
	caller: Caller;
	/** Makes what the action works on. */
	setup?: (ctx: Ctx) => Promise<Target>;
	/** After an accepted request: a new target (default: setup again). */
	refresh?: (ctx: Ctx) => Promise<Target>;
	/** The page holding the form, when it is not the action's own. */
	page?: string;
	/** The caller's cookie made for the target (a session in patient mode), instead of a plain session. */
	session?: (ctx: Ctx) => Promise<string>;
	/** What a user does before the form is there (add an instrument, open a correction). */
	prepare?: (page: Page) => Promise<void>;
	/** The fields, when the page cannot show the form to this caller (set-up closed, MFA off). */
	fields?: string[];
	/** Fields to add to what the form holds (a checkbox the base should tick). */
	extra?: BaseEntry[];
	/** Fuzzed together: a new password and its confirmation. */
	linked?: Record<string, string>;
	/** Why the base payload cannot be accepted here; otherwise the test checks that it is. */
	baseRefused?: string;
	/** Accepting changes nothing the next request depends on: no new target needed. */
	stateless?: boolean;
	/** Watch every condition (the action adds them; labels under fuzz carry no marker). */
	allConditions?: boolean;
}

export interface EndpointFuzz {
	caller: Caller;
	setup?: (ctx: Ctx) => Promise<Target>;
	/** Query fields: read from a page's GET form, plus fixed ones. */
	queryForm?: string;
	query?: BaseEntry[];
	/** A JSON body's fields as JSON text. */
	json?: [string, string][];
	/** A raw body. */
	body?: (s: Seeder) => Buffer;
	stateless?: boolean;
	/** The answer says it did the work (a streamed run reports failure in its last line). */
	acceptedIf?: (sent: Sent) => boolean;
}

export interface Fixtures {
	database: Database;
	browser: Browser;
	baseURL: string;
	makeUser: (role: Role) => Promise<{ id: string; email: string }>;
	tracePath: string;
}

/** Values for empty fields, by name. */
function validFor(s: Seeder): (name: string) => BaseValue | undefined {
	const valid: Record<string, BaseValue> = {
		clinicRef: () => s.clinicRef(),
		name: () => s.name(),
		label: () => s.name(),
		email: () => s.email(),
		key: () => s.email(),
		dateOfBirth: '1980-05-05',
		enrolledOn: '2024-01-10',
		onsetOn: '2024-06-01',
		visitDate: '2024-06-01',
		acupunctureSessions: '2',
		note: 'Fuzz note',
		reason: 'Fuzz correction',
		current: PASSWORD,
		mfaPassword: PASSWORD,
		password: NEW_PASSWORD,
		confirm: NEW_PASSWORD,
		code: '123456',
		kind: 'account'
	};
	return (name) => valid[name];
}

const csvFile = (s: Seeder) => (): FilePart => ({ filename: `fuzz-${s.scope.tag}.csv`, type: 'text/csv', data: s.csv() });

async function callerFor(kind: Caller, f: Fixtures) {
	if (kind === 'anonymous') return { user: null, cookie: async () => undefined };
	const user = await f.makeUser(kind.startsWith('pending') ? 'clinician' : (kind as Role));
	const pending = kind === 'pending-verify' ? 'verify' : kind === 'pending-enrol' ? 'enrol' : undefined;
	return { user, cookie: () => sessionCookie(f.database, user.id, pending) };
}

/** Sign-in steps count failures per account and address; the fuzz's own are removed again, so that specs signing in alongside are not throttled. */
async function forgetAttempts(database: Database, entries: Entry[] | null, caller: { email: string } | null) {
	const accounts = new Set<string>(caller ? [caller.email] : []);
	for (const [k, v] of entries ?? []) {
		if (k !== 'email' || (typeof v === 'object' && !Buffer.isBuffer(v))) continue;
		const text = Buffer.isBuffer(v) ? v.toString('utf8') : v;
		for (const a of [text, text.trim().toLowerCase()]) if (!a.includes('\u0000')) accounts.add(a);
	}
	if (accounts.size > 0) await database.db.execute(sql`delete from login_attempts where account = any(string_to_array(${[...accounts].join('\u0001')}, chr(1)))`);
}

/** use:enhance's answer is 200 JSON whatever happened; its `type` says. */
const enhancedOutcome = (sent: Sent) => {
	try {
		const type = (JSON.parse(sent.body) as { type?: string }).type;
		return type === 'success' || type === 'redirect';
	} catch {
		return false;
	}
};

async function begin(target: string, caller: Caller, f: Fixtures, allConditions = false) {
	const scope = { ...newScope(), allConditions };
	const { user, cookie } = await callerFor(caller, f);
	if (user) scope.userIds.add(user.id);
	const s = new Seeder(f.database.db, scope, { id: user?.id ?? (null as unknown as string) });
	const run = new FuzzRun(target, f.database.db, scope, f.baseURL, f.tracePath);
	return { s, user, cookie, run, ctx: { s, database: f.database, caller: user, target: {} } as Ctx };
}

export async function fuzzAction(key: string, spec: ActionFuzz, f: Fixtures): Promise<{ run: FuzzRun; baseAccepted: boolean }> {
	const { s, user, cookie, run, ctx } = await begin(`POST ${key}`, spec.caller, f, spec.allConditions);
	const origin = new URL(f.baseURL).origin;
	const [route, search] = key.includes('?/') ? [key.slice(0, key.indexOf('?/')), key.slice(key.indexOf('?/'))] : [key, ''];

	ctx.target = (await spec.setup?.(ctx)) ?? {};
	const cookieFor = () => (spec.session ? spec.session(ctx) : cookie());
	let callerCookie = await cookieFor();
	const form = spec.fields
		? null
		: await readForm(f.browser, f.baseURL, callerCookie, fillRoute(spec.page ?? route, ctx.target.params), { method: 'post', action: spec.page ? route : search || null }, spec.prepare);
	if (!form && !spec.fields) throw new Error(`No form for ${key} on ${spec.page ?? route}; give its fields in the fuzz table`);
	const formBase: BaseEntry[] = form
		? [...baseFrom(form, validFor(s), csvFile(s)), ...(spec.extra ?? [])]
		: [...(spec.fields ?? []).map((name): BaseEntry => [name, validFor(s)(name) ?? '']), ...(spec.extra ?? [])];
	let base = withValues(formBase, ctx.target.values ?? {});
	let stale = false;

	const exec = async (c: Case) => {
		if (stale) {
			ctx.target = (await (spec.refresh ?? spec.setup)?.(ctx)) ?? {};
			callerCookie = await cookieFor();
			base = withValues(formBase, ctx.target.values ?? {});
			run.forget();
			stale = false;
		}
		const params = ctx.target.params ?? {};
		const url = fillRoute(route, c.params ? c.params(params) : params) + (c.search ?? search);
		const entries = c.raw ? null : materialize(c.entries ? c.entries(base) : base);
		const { body, contentType } = encode(c, entries, form?.multipart ?? false);
		const headers: Record<string, string> = {
			origin,
			accept: c.enhanced ? 'application/json' : 'text/html',
			...(contentType ? { 'content-type': contentType } : {}),
			...(c.enhanced ? { 'x-sveltekit-action': 'true' } : {}),
			...c.headers
		};
		if (headers.origin === '') delete headers.origin;
		const result = await run.exec(
			{ method: c.method ?? 'POST', url, headers, body, cookie: callerCookie, label: c.label, chunked: c.chunked },
			{ acceptedIf: c.enhanced ? enhancedOutcome : undefined, expectStatus: c.expectStatus }
		);
		if (key.startsWith('/login') || key === '/kiosk?/exit' || key === '/account?/kioskPin') await forgetAttempts(f.database, entries, user);
		if (result.accepted && !spec.stateless) stale = true;
		return result;
	};

	const first = await exec({ label: 'base (valid) payload' });
	for (const c of fieldCases(base, spec.linked)) await exec(c);
	for (const c of requestCases(base, search ? search.slice(2) : null)) await exec(c);
	for (const c of paramCases(route)) await exec(c);
	return { run, baseAccepted: first.accepted };
}

const BIG = 600 * 1024;

function* endpointCases(method: string, spec: EndpointFuzz, query: BaseEntry[]): Generator<Case & { json?: [string, string][] }> {
	for (const c of fieldCases(query)) if (!c.multipart) yield { ...c, label: `query ${c.label}` };
	yield { label: 'junk query', search: `?${encodeURIComponent('<script>alert(1)</script>')}=1&x=%00&y=%zz` };
	if (spec.json) {
		for (const [name] of spec.json) {
			yield { label: `JSON ${name}: missing`, json: spec.json.filter(([k]) => k !== name) };
			for (const p of JSON_PAYLOADS) yield { label: `JSON ${name}: ${p.label}`, json: spec.json.map(([k, v]) => [k, k === name ? p.json : v]) };
		}
	}
	if (method !== 'GET') {
		yield { label: 'empty body', raw: { body: '' } };
		yield { label: 'malformed JSON', raw: { body: '{"mode": ', contentType: 'application/json' } };
		yield { label: 'JSON null', raw: { body: 'null', contentType: 'application/json' } };
		yield { label: 'JSON array', raw: { body: '[1, 2]', contentType: 'application/json' } };
		yield { label: 'form-encoded body', raw: { body: 'mode=dry&fileName=x.csv&size=1', contentType: 'application/x-www-form-urlencoded' } };
		yield { label: 'multipart with a file', raw: { body: '--b\r\nContent-Disposition: form-data; name="file"; filename="x.csv"\r\nContent-Type: text/csv\r\n\r\na,b\r\n--b--\r\n', contentType: 'multipart/form-data; boundary=b' } };
		yield { label: `body over the size limit (${BIG} B, content-length)`, raw: { body: Buffer.alloc(BIG, 'a'), contentType: 'application/octet-stream' } };
		yield { label: `body over the size limit (${BIG} B, chunked)`, raw: { body: Buffer.alloc(BIG, 'a'), contentType: 'application/octet-stream' }, chunked: true };
		yield { label: 'no origin header', headers: { origin: '' } };
		yield { label: 'foreign origin', headers: { origin: 'https://evil.example' } };
	}
	if (spec.body) {
		yield { label: `part of ${PART_BYTES + 1} B (over the part size)`, raw: { body: Buffer.alloc(PART_BYTES + 1, 'a'), contentType: 'application/octet-stream' }, expectStatus: [413] };
		yield { label: 'part of 1 byte', raw: { body: Buffer.from('a'), contentType: 'application/octet-stream' } };
		yield { label: 'binary garbage part', raw: { body: Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)), contentType: 'application/octet-stream' } };
	}
	yield { label: 'method not exported', method: method === 'DELETE' ? 'PATCH' : 'DELETE', expectStatus: [405] };
	yield { label: 'Authorization: Bearer junk', headers: { authorization: `Bearer ${'x'.repeat(5000)}` } };
	yield { label: "Authorization: Bearer ' OR '1'='1", headers: { authorization: "Bearer ' OR '1'='1" } };
	yield { label: 'Authorization: Basic', headers: { authorization: 'Basic YTpi' } };
}

export async function fuzzEndpoint(key: string, spec: EndpointFuzz, f: Fixtures): Promise<{ run: FuzzRun; baseAccepted: boolean }> {
	const [method, route] = key.split(' ') as [string, string];
	const { s, cookie, run, ctx } = await begin(key, spec.caller, f);
	const origin = new URL(f.baseURL).origin;

	ctx.target = (await spec.setup?.(ctx)) ?? {};
	let callerCookie = await cookie();
	const form = spec.queryForm ? await readForm(f.browser, f.baseURL, callerCookie, spec.queryForm, { method: 'get', action: null }) : null;
	if (spec.queryForm && !form) throw new Error(`No GET form on ${spec.queryForm}`);
	const query = withValues(form ? baseFrom(form, validFor(s), csvFile(s)) : [], Object.fromEntries(spec.query ?? []));
	let stale = false;

	const exec = async (c: Case & { json?: [string, string][] }) => {
		if (stale) {
			ctx.target = (await spec.setup?.(ctx)) ?? {};
			callerCookie = await cookie();
			run.forget();
			stale = false;
		}
		const params = ctx.target.params ?? {};
		const url = fillRoute(route, c.params ? c.params(params) : params) + (c.search ?? toQuery(materialize(c.entries ? c.entries(query) : query)));
		let body: string | Buffer | undefined;
		let contentType: string | undefined;
		if (c.raw) ({ body, contentType } = encode(c, null, false));
		else if (c.json || spec.json) [body, contentType] = [jsonObject(c.json ?? spec.json!), 'application/json'];
		else if (spec.body) [body, contentType] = [spec.body(s), 'application/octet-stream'];
		const headers: Record<string, string> = { origin, ...(contentType ? { 'content-type': contentType } : {}), ...c.headers };
		if (headers.origin === '') delete headers.origin;
		const m = c.method ?? method;
		const result = await run.exec(
			{ method: m, url, headers, body: m === 'GET' || m === 'HEAD' ? undefined : (body ?? ''), cookie: callerCookie, label: c.label, chunked: c.chunked },
			{
				acceptedIf: spec.acceptedIf,
				expectStatus: c.expectStatus,
				// The streamed import run answers 200 and reports in its last line; an unexpected error there is a 500 in disguise.
				problems: (sent) => (sent.body.includes('The import failed unexpectedly') ? ['the streamed run hid an unexpected error (logged as "import run failed")'] : [])
			}
		);
		if (result.accepted && !spec.stateless) stale = true;
		return result;
	};

	const first = await exec({ label: 'base (valid) request' });
	for (const c of endpointCases(method, spec, query)) await exec(c);
	for (const c of paramCases(route)) await exec(c);
	return { run, baseAccepted: first.accepted };
}
