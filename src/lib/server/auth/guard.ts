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

/** Safe target for `?next=`: a path on this site only. */
export function safeNext(next: string | null): string {
	if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) {
		return '/';
	}
	return next;
}
