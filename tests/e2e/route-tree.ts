/**
 * What the route tree serves, read from the source: pages, form actions (the keys of each
 * +page.server.ts `actions` object) and endpoints (each +server.ts's exported HTTP methods).
 * guards.spec.ts compares this with its access table and fuzz.spec.ts with its payload table,
 * so a new route, action or endpoint fails both until someone decides who may call it.
 * Also the raw HTTP helper both specs use: no cookie jar, so every request says who it is.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import ts from 'typescript';
import type { Database } from '../../src/lib/server/db';
import { createSession, generateSessionToken, SESSION_COOKIE } from '../../src/lib/server/auth/session';

const ROUTES = path.resolve('src/routes');
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'fallback'];

export interface RouteTree {
	/** '/patients/[id]' */
	pages: string[];
	/** The URL a form posts to: '/patients/new' (default action) or '/patients/[id]?/archive'. */
	actions: string[];
	/** 'POST /patients/import/upload' */
	endpoints: string[];
}

export function routeTree(): RouteTree {
	const tree: RouteTree = { pages: [], actions: [], endpoints: [] };
	walk(ROUTES, '', tree);
	tree.pages = [...new Set(tree.pages)].sort();
	tree.actions.sort();
	tree.endpoints.sort();
	return tree;
}

function walk(dir: string, prefix: string, tree: RouteTree) {
	for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
		const file = path.join(dir, entry.name);
		if (entry.isDirectory()) {
			const segment = /^\(.*\)$/.test(entry.name) ? '' : `/${entry.name}`;
			walk(file, prefix + segment, tree);
			continue;
		}
		const route = prefix || '/';
		if (/^\+page(\.server)?\.(svelte|ts|js)$/.test(entry.name)) tree.pages.push(route);
		if (/^\+page\.server\.(ts|js)$/.test(entry.name)) {
			for (const name of exportedObjectKeys(file, 'actions')) tree.actions.push(name === 'default' ? route : `${route}?/${name}`);
		}
		if (/^\+server\.(ts|js)$/.test(entry.name)) {
			for (const method of exportedNames(file).filter((n) => METHODS.includes(n))) tree.endpoints.push(`${method} ${route}`);
		}
	}
}

function source(file: string) {
	return ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
}

function isExported(node: ts.Node): boolean {
	return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
}

/** Every name the module exports: `export const/function/class X`, `export { a as X }`. */
export function exportedNames(file: string): string[] {
	const names: string[] = [];
	for (const statement of source(file).statements) {
		if (ts.isVariableStatement(statement) && isExported(statement)) {
			for (const d of statement.declarationList.declarations) if (ts.isIdentifier(d.name)) names.push(d.name.text);
		} else if ((ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) && isExported(statement) && statement.name) {
			names.push(statement.name.text);
		} else if (ts.isExportDeclaration(statement) && statement.exportClause && ts.isNamedExports(statement.exportClause)) {
			if (statement.moduleSpecifier) throw new Error(`${file}: re-exports from another module cannot be read here; export the handlers directly`);
			for (const s of statement.exportClause.elements) names.push(s.name.text);
		}
	}
	return names;
}

/**
 * The property names of an exported object literal (`export const actions = { … }`, also with
 * `satisfies`/`as`, or declared first and exported by name). Anything that cannot be read
 * statically (a spread, a computed key, a call) throws, so the test fails rather than missing an action.
 */
export function exportedObjectKeys(file: string, exportName: string): string[] {
	const sf = source(file);
	let local: string | undefined;
	for (const statement of sf.statements) {
		if (ts.isVariableStatement(statement) && isExported(statement)) {
			for (const d of statement.declarationList.declarations) if (ts.isIdentifier(d.name) && d.name.text === exportName) local = exportName;
		} else if (ts.isExportDeclaration(statement) && statement.exportClause && ts.isNamedExports(statement.exportClause)) {
			for (const s of statement.exportClause.elements) if (s.name.text === exportName) local = (s.propertyName ?? s.name).text;
		} else if (ts.isFunctionDeclaration(statement) && isExported(statement) && statement.name?.text === exportName) {
			throw new Error(`${file}: \`${exportName}\` is a function; the test reads an object literal`);
		}
	}
	if (!local) return [];
	let init: ts.Expression | undefined;
	for (const statement of sf.statements) {
		if (!ts.isVariableStatement(statement)) continue;
		for (const d of statement.declarationList.declarations) if (ts.isIdentifier(d.name) && d.name.text === local) init = d.initializer;
	}
	while (init && (ts.isSatisfiesExpression(init) || ts.isAsExpression(init) || ts.isParenthesizedExpression(init) || ts.isTypeAssertionExpression(init))) {
		init = init.expression;
	}
	if (!init || !ts.isObjectLiteralExpression(init)) throw new Error(`${file}: \`${exportName}\` is not an object literal the test can read`);
	return init.properties.map((p) => {
		if (ts.isSpreadAssignment(p) || !p.name || ts.isComputedPropertyName(p.name) || ts.isPrivateIdentifier(p.name)) {
			throw new Error(`${file}: \`${exportName}\` has a key the test cannot read statically (${p.getText(sf).slice(0, 60)})`);
		}
		return p.name.text;
	});
}

export const FAKE_ID = '00000000-0000-4000-8000-000000000000';

/** '/patients/[id]?/archive' → '/patients/<id>?/archive', from `params` or the made-up id. */
export function fillRoute(route: string, params: Record<string, string> = {}): string {
	return route.replace(/\[\[?(?:\.\.\.)?(\w+)(?:=\w+)?\]\]?/g, (_, name: string) => params[name] ?? FAKE_ID);
}

/** A new session for the user, as the cookie header that carries it; `pending`: a half-finished sign-in. */
export async function sessionCookie(database: Database, userId: string, pending?: 'verify' | 'enrol'): Promise<string> {
	const token = generateSessionToken();
	const limits = { idleMinutes: 60, maxHours: 12 };
	if (pending) await createSession(database.db, token, userId, limits, new Date(), pending);
	else await createSession(database.db, token, userId, limits);
	return `${SESSION_COOKIE}=${token}`;
}

export interface Sent {
	status: number;
	headers: Headers;
	body: string;
	/** Set when the connection failed (reset, refused, closed early, timed out). */
	error?: string;
	ms: number;
}

/**
 * One request straight to the server on a connection of its own (node:http, no cookie jar, no
 * keep-alive, so a request the server answered early cannot leave bytes that break the next).
 * The server listens on 127.0.0.1; `origin` is what SvelteKit's CSRF check compares with.
 * `chunked`: no content-length, so the server learns the size only by reading.
 */
export function send(
	baseURL: string,
	target: string,
	init: { method?: string; headers?: Record<string, string>; body?: string | Buffer; cookie?: string; timeoutMs?: number; chunked?: boolean; agent?: http.Agent } = {}
): Promise<Sent> {
	const url = new URL(target, new URL(baseURL).origin);
	const body = init.body === undefined ? undefined : Buffer.from(init.body);
	const headers: Record<string, string> = {
		host: url.host,
		...(init.cookie ? { cookie: init.cookie } : {}),
		...(body && !init.chunked ? { 'content-length': String(body.byteLength) } : {}),
		// Said outright: Node's client chunks a body by itself except for GET, HEAD, DELETE, OPTIONS
		// and CONNECT, where it would send the bytes unframed, which the server rightly reads as a
		// second, malformed request (400 and a closed connection: the fuzz's "ECONNRESET").
		...(body && init.chunked ? { 'transfer-encoding': 'chunked' } : {}),
		...init.headers
	};
	const started = Date.now();
	return new Promise((resolve) => {
		let settled = false;
		const finish = (sent: Omit<Sent, 'ms'>) => {
			if (settled) return;
			settled = true;
			resolve({ ...sent, ms: Date.now() - started });
		};
		const fail = (err: Error & { code?: string }) => finish({ status: 0, headers: new Headers(), body: '', error: `${err.code ?? ''} ${err.message}`.trim() });
		const req = http.request(
			{ host: '127.0.0.1', port: url.port, path: url.pathname + url.search, method: init.method ?? 'GET', headers, agent: init.agent ?? false, timeout: init.timeoutMs ?? 20_000 },
			(res) => {
				const chunks: Buffer[] = [];
				res.on('data', (c: Buffer) => chunks.push(c));
				res.on('end', () => {
					const h = new Headers();
					for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(', ') : v);
					finish({ status: res.statusCode ?? 0, headers: h, body: Buffer.concat(chunks).toString('utf8') });
				});
				res.on('error', fail);
			}
		);
		req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${init.timeoutMs ?? 20_000} ms`), { code: 'TIMEOUT' })));
		// A server may answer (413, a redirect) before reading the whole body and close: the answer counts.
		req.on('error', fail);
		if (body && init.chunked) {
			for (let i = 0; i < body.byteLength; i += 64 * 1024) req.write(body.subarray(i, i + 64 * 1024));
			req.end();
		} else req.end(body);
	});
}

/** The headers a browser's form POST carries (same origin, HTML wanted, not `use:enhance`). */
export function formHeaders(baseURL: string, contentType = 'application/x-www-form-urlencoded'): Record<string, string> {
	return { origin: new URL(baseURL).origin, accept: 'text/html', 'content-type': contentType };
}
