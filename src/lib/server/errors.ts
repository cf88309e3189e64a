import type { Handle } from '@sveltejs/kit';

/** Drizzle wraps driver errors: the PostgreSQL code is on the error or on its cause. */
export function pgErrorCode(err: unknown): string | undefined {
	const e = err as { code?: string; cause?: { code?: string } };
	return e?.cause?.code ?? e?.code;
}
export const isUniqueViolation = (err: unknown) => pgErrorCode(err) === '23505';
export const isCheckViolation = (err: unknown) => pgErrorCode(err) === '23514';
export const isForeignKeyViolation = (err: unknown) => pgErrorCode(err) === '23503';
/** The constraint a refused write broke (postgres.js: constraint_name; PGlite: constraint), and the database's message. */
export function pgConstraint(err: unknown): { name: string | undefined; message: string } {
	const e = err as { constraint_name?: string; constraint?: string; message?: string; cause?: { constraint_name?: string; constraint?: string; message?: string } };
	const source = e?.cause ?? e;
	return { name: source?.constraint_name ?? source?.constraint, message: String(source?.message ?? '') };
}

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

// Requests whose failure handleError traced to a cause that is not a bug of ours, with the status
// to answer instead of 500 (keyed by their `locals`).
const answered = new WeakMap<object, number>();

/** Called by handleError: this request failed because the database is unavailable. */
export function noteDatabaseUnavailable(locals: object): void {
	answered.set(locals, 503);
}

/** What a user is told when a request held something the app cannot read (a safety net). */
export const UNREADABLE_REQUEST = 'This request held something that cannot be read or stored (for example a malformed address or form). Nothing was saved.';

// SQLSTATE class 22 (data exception) raised by input that reached the database unchecked:
// 22P02 invalid text representation (a malformed uuid), 22021 a NUL or invalid byte in text,
// 22P05 a NUL (\u0000) in jsonb,
// 22007/22008 invalid or out-of-range date, 22003 number out of range, 22001 string too long.
const BAD_INPUT_STATES = new Set(['22P02', '22021', '22P05', '22007', '22008', '22003', '22001']);

/**
 * The status for an error that a malformed request caused rather than a bug: 400 for values the
 * database refused and for bodies that are not a form, 404 for SvelteKit's reserved action name.
 * Null for anything else. Every write runs in a transaction, so a refused one stored nothing.
 */
export function badRequestStatus(err: unknown): number | null {
	const code = pgErrorCode(err);
	if (code && BAD_INPUT_STATES.has(code)) return 400;
	const message = err instanceof Error ? err.message : '';
	if (/^Content-Type was not one of|^Failed to parse body as FormData|^Could not parse content as FormData/.test(message)) return 400;
	if (/^Cannot use reserved action name/.test(message)) return 404;
	return null;
}

/** BODY_SIZE_LIMIT as people write it (512K, 1M), for the message; adapter-node reads the setting itself. */
function bodySizeLimit(): string {
	const raw = (process.env.BODY_SIZE_LIMIT ?? '512K').trim().toUpperCase();
	const m = /^(\d+)([KMG]?)$/.exec(raw);
	if (!m) return raw;
	return m[2] ? `${m[1]} ${m[2]}B` : `${m[1]} bytes`;
}

/**
 * What a client is told when SvelteKit refused its request before any of our code ran: too large
 * (413), a form action sent as something other than a form (415), a method the address does not
 * take (405). Null for any other status. These are the client's mistakes, not our failures: the
 * caller logs them as one line, without a stack.
 */
export function clientErrorMessage(status: number, request: Request): string | null {
	if (status === 413) return `The request was too large: this server takes at most ${bodySizeLimit()} per request. Nothing was saved. Send less at once (a file goes through the import page, which sends it in parts).`;
	if (status === 415) {
		const type = request.headers.get('content-type')?.split(';')[0]?.trim();
		return `A form here must be sent as a form (application/x-www-form-urlencoded or multipart/form-data); this request had ${type ? type.slice(0, 100) : 'no content type'}. Nothing was saved.`;
	}
	if (status === 405) return `This address does not take ${request.method} requests.`;
	return null;
}

/** Called by handleError: this request was malformed; answer `status` instead of 500. */
export function noteBadRequest(locals: object, status: number): void {
	answered.set(locals, status);
}

const RETRY_AFTER_SECONDS = '30';

/**
 * The first `handle` in the sequence. SvelteKit 2 answers every unexpected error with 500 and
 * `handleError` cannot change that, so a 500 that handleError traced to a database outage is
 * re-sent here as 503, one traced to a malformed request as 400/404 (same body: the page or JSON
 * with our plain message). An outage met in
 * `handle` itself (reading the session) never reaches a route: it is answered here directly.
 */
export const answerKnownFailures: Handle = async ({ event, resolve }) => {
	let response: Response;
	try {
		response = await resolve(event);
	} catch (err) {
		if (!isDatabaseUnavailable(err)) throw err;
		const requestId = (event.locals as { requestId?: string }).requestId ?? crypto.randomUUID();
		console.error(`[${requestId}] ${event.request.method} ${event.url.pathname}: database unavailable (${describe(err)})`);
		return outageResponse(event.request, requestId);
	}
	const status = answered.get(event.locals);
	if (response.status !== 500 || !status) return response;
	const headers = new Headers(response.headers);
	if (status === 503) headers.set('Retry-After', RETRY_AFTER_SECONDS);
	return new Response(response.body, { status, headers });
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
