/**
 * FHIR read of an instrument definition for signed-in users, so other FHIR tools can use the
 * clinic's set: the Questionnaire as stored (`?version=` must match its version).
 */
import { requireUser } from '$lib/server/auth/guard';
import { getInstrument } from '$lib/instruments/registry';
import type { RequestHandler } from './$types';

const FHIR_JSON = 'application/fhir+json; charset=utf-8';

function notFound(diagnostics: string): Response {
	const outcome = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found', diagnostics }] };
	return new Response(JSON.stringify(outcome), { status: 404, headers: { 'content-type': FHIR_JSON } });
}

export const GET: RequestHandler = (event) => {
	requireUser(event);
	const def = getInstrument(event.params.id);
	if (!def) return notFound(`No Questionnaire “${event.params.id}”.`);
	const version = event.url.searchParams.get('version');
	if (version !== null && version !== def.version) return notFound(`Questionnaire “${def.id}” has no version “${version}” (it has ${def.version}).`);
	return new Response(JSON.stringify(def.questionnaire), { headers: { 'content-type': FHIR_JSON, 'cache-control': 'private, no-cache' } });
};
