// What the server says over plain HTTP when a request itself is wrong, and the headers of the
// static files that adapter-node serves before the app's hooks run.
import { expect, test } from './fixtures';
import { formHeaders, send, sessionCookie } from './route-tree';

const LIMIT = 512 * 1024; // BODY_SIZE_LIMIT's default (README)

test.describe('a request the server cannot take is told why, with the right status', () => {
	test('a body over BODY_SIZE_LIMIT: 413 and the limit, whether its length was declared or not', async ({ makeUser, database, baseURL }) => {
		const user = await makeUser('clinician');
		const cookie = await sessionCookie(database, user.id);
		const body = `name=${'a'.repeat(LIMIT + 10)}`;
		for (const chunked of [false, true]) {
			for (const accept of ['text/html', 'application/json']) {
				const sent = await send(baseURL!, '/patients/new', { method: 'POST', headers: { ...formHeaders(baseURL!), accept }, body, cookie, chunked });
				expect(sent.status, `chunked ${chunked}, ${accept}`).toBe(413);
				expect(sent.body).toContain('too large');
				expect(sent.body).toContain('512 KB');
				expect(sent.body).not.toContain('Something went wrong on our side');
			}
		}
	});

	test('a form action posted as JSON or without a content type: 415 and what a form must be', async ({ makeUser, database, baseURL }) => {
		const user = await makeUser('clinician');
		const cookie = await sessionCookie(database, user.id);
		const cases = [
			{ 'content-type': 'application/json', accept: 'text/html' },
			{ 'content-type': 'application/json', accept: 'application/json' },
			{ accept: 'text/html' }
		];
		for (const headers of cases) {
			const sent = await send(baseURL!, '/patients/new', { method: 'POST', headers: { origin: new URL(baseURL!).origin, ...headers }, body: '{"name":"x"}', cookie });
			expect(sent.status, JSON.stringify(headers)).toBe(415);
			expect(sent.body).toContain('must be sent as a form');
			expect(sent.body).toContain(headers['content-type'] ? 'application/json' : 'no content type');
			expect(sent.body).not.toContain('Something went wrong on our side');
		}
		// The same for someone not signed in (sign-in itself is a form action).
		const anonymous = await send(baseURL!, '/login?/password', { method: 'POST', headers: { origin: new URL(baseURL!).origin, 'content-type': 'application/json', accept: 'text/html' }, body: '{}' });
		expect(anonymous.status).toBe(415);
		expect(anonymous.body).toContain('must be sent as a form');
	});
});
