import type { Handle, HandleServerError, ServerInit } from '@sveltejs/kit';
import { settings } from '$lib/server/config';
import { connect, disconnect } from '$lib/server/db';
import { ensureRollups, foldIfDue } from '$lib/server/cohort/rollup';
import { settleUpgradeVoids } from '$lib/server/visits/upgrade';
import { loadExportSecret, setExportSecret } from '$lib/server/export/secret';
import { startAuditAnchoring } from '$lib/server/audit';
import { bringKeysUpToDate } from '$lib/server/keys-at-start';
import { expireStagedImports, STAGED_IMPORT_DAYS } from '$lib/server/import';
import { SESSION_COOKIE, validateSessionToken } from '$lib/server/auth/session';
import { validateApiToken } from '$lib/server/auth/tokens';
import { clearSessionCookie, db, sessionLimits } from '$lib/server/context';
import { sequence } from '@sveltejs/kit/hooks';
import { json } from '@sveltejs/kit';
import { DATABASE_UNAVAILABLE, UNREADABLE_REQUEST, answerKnownFailures, badRequestStatus, clientErrorMessage, describe, isDatabaseUnavailable, noteBadRequest, noteDatabaseUnavailable } from '$lib/server/errors';
import { isDraining, watchForShutdown } from '$lib/server/lifecycle';
import { refreshInstruments } from '$lib/server/instruments/installed';

export const init: ServerInit = async () => {
	const s = settings();
	watchForShutdown();
	setExportSecret(loadExportSecret(s));
	const database = await connect(s);
	// The audit and TOTP keys; after an upgrade, the audit chains' older rows go under the key and
	// TOTP keys stored in clear are sealed, before anything else writes.
	await bringKeysUpToDate(database.db, s);
	// Visits the upgrade to one visit per date voided get their audit rows (and a stale rollup).
	const settled = await settleUpgradeVoids(database.db);
	if (settled > 0) console.warn(`${settled} visit(s) sharing a date with an earlier one were voided by the upgrade; see the audit log.`);
	// The chains' heads, signed, outside the database: now, when they move, and at shutdown.
	const anchoring = startAuditAnchoring(() => database.db, s.auditAnchorFile, s.auditAnchorSeconds);
	// The clinic's stored instrument set (uploaded instruments, versions in use, deactivations).
	await refreshInstruments(database.db);
	// First start after an upgrade (or a restore): build the cohort rollup from the raw tables.
	await ensureRollups(database.db);
	// Writes append rollup differences; fold them into the histogram every second (readers add
	// whatever is still pending, so this only keeps their reads short).
	const folder = setInterval(() => {
		foldIfDue(database.db, 1).catch((err) =>
			// During an outage this would fail every second: one line, not a stack each time.
			console.error('Folding the cohort rollup failed:', isDatabaseUnavailable(err) ? `database unavailable (${describe(err)})` : err)
		);
	}, 1000);
	folder.unref();
	// Imports left unfinished for a week lose their stored file (names, dates of birth): now and hourly.
	const expire = () =>
		expireStagedImports(database.db)
			.then((n) => {
				if (n > 0) console.log(`Discarded ${n} import(s) left unfinished for ${STAGED_IMPORT_DAYS} days.`);
			})
			.catch((err) => console.error('Discarding unfinished imports failed:', isDatabaseUnavailable(err) ? `database unavailable (${describe(err)})` : err));
	void expire(); // not awaited: the first run after an upgrade may delete many stored files
	const expirer = setInterval(expire, 3_600_000);
	expirer.unref();
	// adapter-node emits this after the server stops accepting and in-flight requests finish.
	process.once('sveltekit:shutdown', () => {
		clearInterval(folder);
		clearInterval(expirer);
		void anchoring.stop().finally(() => disconnect());
	});
};

const handleRequest: Handle = async ({ event, resolve }) => {
	event.locals.requestId = crypto.randomUUID();
	event.locals.user = null;
	event.locals.session = null;
	event.locals.pending = null;
	event.locals.kiosk = null;

	// Scripts: a personal API token, accepted on /api/ only (never for pages or form actions).
	const bearer = event.request.headers.get('authorization')?.match(/^Bearer\s+(\S+)$/i)?.[1];
	const token = event.cookies.get(SESSION_COOKIE);
	if (bearer && event.url.pathname.startsWith('/api/')) {
		event.locals.user = await validateApiToken(db(), bearer);
	} else if (token) {
		const { session, user } = await validateSessionToken(db(), token, sessionLimits());
		if (session) {
			event.locals.session = session;
			if (session.pending) event.locals.pending = { user, step: session.pending };
			else if (session.kioskLinkId) event.locals.kiosk = { linkId: session.kioskLinkId, user, sessionId: session.id };
			else event.locals.user = user;
		} else {
			clearSessionCookie(event.cookies, event.url);
		}
	}

	// Patient mode (a tablet handed over): the patient's forms and nothing else, whatever the address;
	// the clinician's password ends it (/kiosk?/exit).
	if (event.locals.kiosk && !isKioskPath(event.url.pathname)) {
		if (event.url.pathname.startsWith('/api/')) return json({ message: 'Not available in patient mode' }, { status: 403, headers: { 'Cache-Control': 'no-store' } });
		return new Response(null, { status: 303, headers: { location: '/kiosk', 'Cache-Control': 'no-store' } });
	}
	// An admin's activation on any copy of the app: followed here from this request on.
	if (event.locals.user) await refreshInstruments(db());

	const response = await resolve(event);
	const h = response.headers;
	h.set('X-Content-Type-Options', 'nosniff');
	h.set('Referrer-Policy', 'same-origin');
	h.set('X-Frame-Options', 'DENY');
	h.set('Permissions-Policy', 'camera=(), microphone=(), geolocation=()');
	h.set('X-Request-Id', event.locals.requestId);
	if (event.url.protocol === 'https:') h.set('Strict-Transport-Security', 'max-age=31536000');
	// Signed-in pages, and those of a half-finished sign-in (the TOTP key and QR code of /login/enrol,
	// the recovery codes its confirmation shows): never kept by a browser or a shared cache.
	if ((event.locals.user || event.locals.pending || event.locals.kiosk || event.url.pathname.startsWith('/r/')) && !h.has('Cache-Control')) h.set('Cache-Control', 'no-store');
	// Shutting down: kept-alive clients reconnect elsewhere instead of sending more here. And a
	// request refused before its body was read (sent to sign in, say): the unread bytes must not
	// sit in front of the next request on the same connection.
	if (isDraining() || (event.request.body && !event.request.bodyUsed)) h.set('Connection', 'close');
	return response;
};

/** What a session in patient mode may open: its forms, and the app's own scripts and styles. */
function isKioskPath(path: string): boolean {
	return path === '/kiosk' || path.startsWith('/_app/') || path === '/app.css' || path === '/favicon.svg';
}

// Outermost: a 500 caused by a database outage goes out as 503.
export const handle = sequence(answerKnownFailures, handleRequest);

export const handleError: HandleServerError = ({ error, event, status }) => {
	const requestId = event.locals.requestId ?? crypto.randomUUID();
	if (isDatabaseUnavailable(error)) {
		// Not a bug of ours: one line, no stack; `answerKnownFailures` turns the 500 into a 503.
		console.error(`[${requestId}] ${event.request.method} ${event.url.pathname}: database unavailable (${describe(error)})`);
		noteDatabaseUnavailable(event.locals);
		return { message: DATABASE_UNAVAILABLE, requestId };
	}
	const bad = badRequestStatus(error);
	if (bad) {
		console.error(`[${requestId}] ${event.request.method} ${event.url.pathname}: refused as ${bad} (${describe(error)})`);
		noteBadRequest(event.locals, bad);
		return { message: bad === 404 ? 'Not found' : UNREADABLE_REQUEST, requestId };
	}
	const client = clientErrorMessage(status, event.request);
	if (client) {
		// The client's mistake (too large, not a form): a warning line, not an error with a stack.
		console.warn(`[${requestId}] ${event.request.method} ${event.url.pathname}: client error ${status} (${describe(error)})`);
		return { message: client, requestId };
	}
	if (status !== 404) {
		console.error(`[${requestId}] ${event.request.method} ${event.url.pathname}`, error);
	}
	return {
		message: status === 404 ? 'Not found' : 'Something went wrong on our side. Please try again.',
		requestId
	};
};
