import { describe, expect, it } from 'vitest';
import { answerKnownFailures, badRequestStatus, DATABASE_UNAVAILABLE, isDatabaseUnavailable, noteBadRequest, noteDatabaseUnavailable } from '../../src/lib/server/errors';
import { reconnectDelay } from '../../src/lib/server/db';

// Errors shaped as postgres.js, Node and drizzle make them (drizzle puts the driver's on `cause`).
const driver = (code: string) => Object.assign(new Error(code), { code });
const wrapped = (code: string) => Object.assign(new Error('Failed query: select 1'), { cause: driver(code) });

describe('isDatabaseUnavailable', () => {
	it('recognises a database that is down, restarting or gone mid-request', () => {
		for (const code of ['ECONNREFUSED', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECT_TIMEOUT', '57P01', '57P03', '08006', '08P01']) {
			expect(isDatabaseUnavailable(driver(code)), code).toBe(true);
			expect(isDatabaseUnavailable(wrapped(code)), `wrapped ${code}`).toBe(true);
		}
		// Node tries every address of "localhost" and reports them together.
		expect(isDatabaseUnavailable(new AggregateError([driver('ECONNREFUSED'), driver('ECONNREFUSED')]))).toBe(true);
	});

	it('leaves the app’s own failures alone', () => {
		for (const code of ['23505', '23503', '23514', '42P01', '40001', 'UNDEFINED_VALUE']) expect(isDatabaseUnavailable(wrapped(code)), code).toBe(false);
		expect(isDatabaseUnavailable(new Error('boom'))).toBe(false);
		expect(isDatabaseUnavailable(null)).toBe(false);
		expect(isDatabaseUnavailable(new AggregateError([driver('ECONNREFUSED'), new Error('other')]))).toBe(false);
	});
});

describe('answerKnownFailures', () => {
	const event = () => ({ locals: { requestId: 'r1' }, request: new Request('http://x/patients', { headers: { accept: 'text/html' } }), url: new URL('http://x/patients') });
	type Input = Parameters<typeof answerKnownFailures>[0];

	it('re-sends a 500 that handleError traced to an outage as 503, body and headers kept', async () => {
		const e = event();
		noteDatabaseUnavailable(e.locals);
		const response = await answerKnownFailures({ event: e, resolve: async () => new Response('page', { status: 500, headers: { 'x-request-id': 'r1' } }) } as unknown as Input);
		expect(response.status).toBe(503);
		expect(response.headers.get('retry-after')).toBe('30');
		expect(response.headers.get('x-request-id')).toBe('r1');
		expect(await response.text()).toBe('page');
	});

	it('leaves other 500s and every other answer as they are', async () => {
		const other = await answerKnownFailures({ event: event(), resolve: async () => new Response('bug', { status: 500 }) } as unknown as Input);
		expect(other.status).toBe(500);
	});

	it('answers an outage met before any route (reading the session) with 503 and the message', async () => {
		const response = await answerKnownFailures({
			event: event(),
			resolve: async () => {
				throw wrapped('ECONNREFUSED');
			}
		} as unknown as Input);
		expect(response.status).toBe(503);
		expect(await response.text()).toContain(DATABASE_UNAVAILABLE);
	});
});

describe('malformed requests', () => {
	it('are told apart from bugs: values the database refuses, bodies that are not forms, the reserved action name', () => {
		for (const code of ['22P02', '22021', '22P05', '22007', '22008']) expect(badRequestStatus(wrapped(code)), code).toBe(400);
		expect(badRequestStatus(new TypeError('Content-Type was not one of "multipart/form-data" or "application/x-www-form-urlencoded".'))).toBe(400);
		expect(badRequestStatus(new Error('Cannot use reserved action name "default"'))).toBe(404);
		for (const err of [wrapped('23505'), wrapped('42P01'), new TypeError('x is undefined'), null]) expect(badRequestStatus(err)).toBeNull();
	});

	it('have their 500 re-sent with the noted status', async () => {
		type Input = Parameters<typeof answerKnownFailures>[0];
		const e = { locals: { requestId: 'r2' }, request: new Request('http://x/patients', { method: 'POST' }), url: new URL('http://x/patients') };
		noteBadRequest(e.locals, 400);
		const response = await answerKnownFailures({ event: e, resolve: async () => new Response('page', { status: 500 }) } as unknown as Input);
		expect(response.status).toBe(400);
		expect(response.headers.get('retry-after')).toBeNull();
		expect(await response.text()).toBe('page');
	});
});

describe('reconnectDelay', () => {
	it('retries quickly and never waits more than a second', () => {
		expect([1, 2, 3, 4, 5, 10, 50].map(reconnectDelay)).toEqual([0.1, 0.2, 0.4, 0.8, 1, 1, 1]);
	});
});
