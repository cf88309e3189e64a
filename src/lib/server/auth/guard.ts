/**
 * Every load, action and endpoint calls one of these itself; a layout check is only for the menu.
 * Pages: anonymous → 303 to /login?next=…; wrong role → 403. API (/api/…): anonymous → 401 JSON.
 */
import { error, redirect, type RequestEvent } from '@sveltejs/kit';
import type { Role } from '../db/schema';
import type { SessionUser } from './session';

type GuardEvent = Pick<RequestEvent, 'locals' | 'url' | 'request'>;

function isApi(event: GuardEvent): boolean {
	return event.url.pathname.startsWith('/api/');
}

export function loginRedirect(url: URL): string {
	const next = url.pathname + url.search;
	return next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`;
}

export function requireUser(event: GuardEvent): SessionUser {
	const user = event.locals.user;
	if (user) return user;
	if (isApi(event)) error(401, { message: 'Sign in required' });
	// A form POST cannot be replayed after sign-in; send it back to the page it came from.
	redirect(303, loginRedirect(event.url));
}

export function requireRole(event: GuardEvent, ...roles: Role[]): SessionUser {
	const user = requireUser(event);
	if (!roles.includes(user.role)) error(403, { message: 'Your role does not allow this' });
	return user;
}

// Never in a path someone means to follow: C0 controls, DEL, and the backslash (which browsers
// read as a slash). URL parsers drop tabs and newlines silently, so `/\t/evil.example` would
// otherwise become `//evil.example`: another site.
const UNSAFE_IN_NEXT = /[\u0000-\u001f\u007f\\]/;

/**
 * Safe target for `?next=`: a path on this site only, or `/`. The value is resolved as a browser
 * would resolve it against `origin`; anything that lands elsewhere, holds a control character or
 * a backslash, or normalises to a path starting `//` (a scheme-relative address: `/.//evil`) is
 * refused. What comes back is the normalised path, query and fragment.
 */
export function safeNext(next: string | null, origin: string): string {
	if (!next || !next.startsWith('/') || UNSAFE_IN_NEXT.test(next)) return '/';
	let resolved: URL;
	try {
		resolved = new URL(next, origin);
	} catch {
		return '/';
	}
	const path = resolved.pathname + resolved.search + resolved.hash;
	if (resolved.origin !== new URL(origin).origin || !path.startsWith('/') || path.startsWith('//')) return '/';
	return path;
}
