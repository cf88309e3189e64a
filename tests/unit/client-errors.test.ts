import { afterEach, describe, expect, it } from 'vitest';
import { clientErrorMessage } from '../../src/lib/server/errors';

const saved = process.env.BODY_SIZE_LIMIT;
afterEach(() => {
	if (saved === undefined) delete process.env.BODY_SIZE_LIMIT;
	else process.env.BODY_SIZE_LIMIT = saved;
});

const post = (headers: Record<string, string> = {}) => new Request('http://x/patients/new', { method: 'POST', headers });

describe('what a client is told when SvelteKit refused its request', () => {
	it('413 names the limit as configured', () => {
		delete process.env.BODY_SIZE_LIMIT;
		expect(clientErrorMessage(413, post())).toContain('at most 512 KB per request');
		process.env.BODY_SIZE_LIMIT = '2M';
		expect(clientErrorMessage(413, post())).toContain('at most 2 MB per request');
		process.env.BODY_SIZE_LIMIT = '100000';
		expect(clientErrorMessage(413, post())).toContain('at most 100000 bytes per request');
	});
	it('415 says what a form must be and what was sent', () => {
		expect(clientErrorMessage(415, post({ 'content-type': 'application/json; charset=utf-8' }))).toContain('this request had application/json.');
		expect(clientErrorMessage(415, post())).toContain('this request had no content type.');
		expect(clientErrorMessage(415, post())).toContain('must be sent as a form');
	});
	it('leaves other statuses to the usual handling', () => {
		for (const status of [400, 401, 403, 404, 500, 503]) expect(clientErrorMessage(status, post())).toBeNull();
	});
});
