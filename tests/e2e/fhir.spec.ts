// FHIR read of the instrument definitions (issue 18): signed-in users get the Questionnaire as
// stored, a wrong id or version is a FHIR OperationOutcome 404, anonymous callers sign in first.
import { expect, test } from './fixtures';

test('a signed-in researcher reads a Questionnaire, by id and by version', async ({ makeUser, signedIn, request }) => {
	const page = await signedIn(await makeUser('researcher'));
	const read = await page.request.get('/fhir/Questionnaire/fss9');
	expect(read.status()).toBe(200);
	expect(read.headers()['content-type']).toContain('application/fhir+json');
	const q = await read.json();
	expect(q).toMatchObject({ resourceType: 'Questionnaire', id: 'fss9', version: '1989' });
	expect(q.item.filter((i: { text?: string }) => i.text !== undefined)).toEqual([]);

	expect((await page.request.get('/fhir/Questionnaire/fss9?version=1989')).status()).toBe(200);
	const wrongVersion = await page.request.get('/fhir/Questionnaire/fss9?version=2');
	expect(wrongVersion.status()).toBe(404);
	expect(await wrongVersion.json()).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'not-found' }] });
	expect((await page.request.get('/fhir/Questionnaire/sf36')).status()).toBe(404);

	const anonymous = await request.get('/fhir/Questionnaire/fss9', { maxRedirects: 0 });
	expect(anonymous.status()).toBe(303);
	expect(anonymous.headers()['location']).toBe('/login?next=%2Ffhir%2FQuestionnaire%2Ffss9');
});
