/** Request-level helpers shared by hooks and routes: cookies, limits, the open database. */
import type { Cookies } from '@sveltejs/kit';
import { settings } from './config';
import { db, readDb } from './db';
import { hasAnyUser } from './users';
import {
	SESSION_COOKIE,
	createSession,
	generateSessionToken,
	invalidateSession,
	type PendingStep,
	type SessionLimits
} from './auth/session';
import { mfaRequiredRoles, mfaState } from './auth/mfa';
import type { Role } from './db/schema';
import type { ThrottleLimits } from './auth/throttle';

export { db, readDb };

export function sessionLimits(): SessionLimits {
	const s = settings();
	return { idleMinutes: s.sessionIdleMinutes, maxHours: s.sessionMaxHours };
}

export function throttleLimits(): ThrottleLimits {
	const s = settings();
	return { windowMinutes: s.throttleWindowMinutes, accountMax: s.throttleAccountMax, addressMax: s.throttleAddressMax };
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** `Secure` always, except plain http on localhost, unless COOKIE_SECURE says otherwise. */
export function cookieSecure(url: URL): boolean {
	return settings().cookieSecure ?? !(url.protocol === 'http:' && LOCAL_HOSTS.has(url.hostname));
}

export function setSessionCookie(cookies: Cookies, url: URL, token: string, expiresAt: Date): void {
	cookies.set(SESSION_COOKIE, token, {
		path: '/',
		httpOnly: true,
		sameSite: 'lax',
		secure: cookieSecure(url),
		expires: expiresAt
	});
}

export function clearSessionCookie(cookies: Cookies, url: URL): void {
	cookies.delete(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax', secure: cookieSecure(url) });
}

// Users are never deleted, so once one exists the set-up page is closed for good.
let setupDone = false;
export async function needsSetup(): Promise<boolean> {
	if (setupDone) return false;
	setupDone = await hasAnyUser(db());
	return !setupDone;
}

/** Creates a session for a user who has just proved who they are, and sets its cookie. */
export async function startSession(cookies: Cookies, url: URL, userId: string, pending: PendingStep | null = null): Promise<void> {
	const token = generateSessionToken();
	const session = await createSession(db(), token, userId, sessionLimits(), new Date(), pending);
	setSessionCookie(cookies, url, token, session.expiresAt);
}

/**
 * After the password: a full session, or a pending one that asks for the code from the
 * authenticator ('verify') or, where the administrator requires it for the role, its set-up
 * ('enrol'). Returns the step still to do, or null when signed in.
 */
export async function beginSignIn(cookies: Cookies, url: URL, user: { id: string; role: Role }): Promise<PendingStep | null> {
	const [state, required] = await Promise.all([mfaState(db(), user.id), mfaRequiredRoles(db())]);
	const step: PendingStep | null = state.enabled ? 'verify' : required.includes(user.role) ? 'enrol' : null;
	await startSession(cookies, url, user.id, step);
	return step;
}

/** The second factor is proven: the pending session is replaced by a new, full one (new id). */
export async function finishSignIn(cookies: Cookies, url: URL, pendingSessionId: string, userId: string): Promise<void> {
	await invalidateSession(db(), pendingSessionId);
	await startSession(cookies, url, userId);
}
