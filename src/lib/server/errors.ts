import type { Handle } from '@sveltejs/kit';

/** Drizzle wraps driver errors: the PostgreSQL code is on the error or on its cause. */
export function pgErrorCode(err: unknown): string | undefined {
	const e = err as { code?: string; cause?: { code?: string } };
	return e?.cause?.code ?? e?.code;
}
export const isUniqueViolation = (err: unknown) => pgErrorCode(err) === '23505';
export const isCheckViolation = (err: unknown) => pgErrorCode(err) === '23514';
export const isForeignKeyViolation = (err: unknown) => pgErrorCode(err) === '23503';

/** What a user is told while the database cannot be reached (a 503, not a bug of ours). */
export const DATABASE_UNAVAILABLE =
	'The database is unavailable at the moment, so this could not be done. Please try again in a minute; if you were saving, check afterwards whether it was saved.';

// postgres.js and Node's socket errors when the server is down, restarting or unreachable.
const CONNECTION_CODES = new Set([
	'ECONNREFUSED',
	'ECONNRESET',
	'EPIPE',
	'ETIMEDOUT',
	'EHOSTUNREACH',
	'ENETUNREACH',
	'ENOTFOUND',
	'EAI_AGAIN',
	'CONNECTION_CLOSED',
	'CONNECTION_ENDED',
	'CONNECTION_DESTROYED',
	'CONNECT_TIMEOUT'
]);
// SQLSTATE: 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now (starting up or
// shutting down), 53300 too_many_connections; class 08 is "connection exception".
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300']);

/**
 * True when the error means the database could not be reached or went away mid-request (restart,
 * failover, network): the request may be retried later, and it is not a bug in the app. Looks
 * through drizzle's wrapper (`cause`) and Node's AggregateError (`errors`, one per address tried).
 */
export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
	if (!err || typeof err !== 'object' || depth > 4) return false;
	const e = err as { code?: unknown; cause?: unknown; errors?: unknown };
	if (typeof e.code === 'string' && (CONNECTION_CODES.has(e.code) || UNAVAILABLE_STATES.has(e.code) || /^08[0-9A-Z]{3}$/.test(e.code))) {
		return true;
	}
	if (Array.isArray(e.errors) && e.errors.length > 0 && e.errors.every((x) => isDatabaseUnavailable(x, depth + 1))) return true;
	return isDatabaseUnavailable(e.cause, depth + 1);
}

// Requests whose failure handleError traced to a database outage (keyed by their `locals`).
const outages = new WeakSet<object>();

/** Called by handleError: this request failed because the database is unavailable. */
export function noteDatabaseUnavailable(locals: object): void {
	outages.add(locals);
}

const RETRY_AFTER_SECONDS = '30';

/**
 * The first `handle` in the sequence. SvelteKit 2 answers every unexpected error with 500 and
 * `handleError` cannot change that, so a 500 that handleError traced to a database outage is
 * re-sent here as 503 (same body: the page or JSON with our plain message). An outage met in
 * `handle` itself (reading the session) never reaches a route: it is answered here directly.
 */
export const answerDatabaseOutage: Handle = async ({ event, resolve }) => {
	let response: Response;
	try {
		response = await resolve(event);
	} catch (err) {
		if (!isDatabaseUnavailable(err)) throw err;
		const requestId = (event.locals as { requestId?: string }).requestId ?? crypto.randomUUID();
		console.error(`[${requestId}] ${event.request.method} ${event.url.pathname}: database unavailable (${describe(err)})`);
		return outageResponse(event.request, requestId);
	}
	if (response.status !== 500 || !outages.has(event.locals)) return response;
	const headers = new Headers(response.headers);
	headers.set('Retry-After', RETRY_AFTER_SECONDS);
	return new Response(response.body, { status: 503, statusText: 'Service Unavailable', headers });
};

/** The plain message as JSON for scripts and `fetch`, as text otherwise. */
function outageResponse(request: Request, requestId: string): Response {
	const headers = { 'Retry-After': RETRY_AFTER_SECONDS, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', 'X-Request-Id': requestId };
	const accept = request.headers.get('accept') ?? '';
	if (accept.includes('application/json') && !accept.includes('text/html')) {
		return Response.json({ message: DATABASE_UNAVAILABLE, requestId }, { status: 503, headers });
	}
	return new Response(`${DATABASE_UNAVAILABLE}\n(Request ${requestId})\n`, {
		status: 503,
		headers: { ...headers, 'Content-Type': 'text/plain; charset=utf-8' }
	});
}

/** The driver's code and message, for a one-line log (an outage needs no stack trace). */
export function describe(err: unknown): string {
	const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
	const inner = e?.cause ?? e;
	return [inner?.code, inner?.message].filter(Boolean).join(' ');
}
