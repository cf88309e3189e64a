/**
 * FHIR read of an instrument definition for signed-in users, so other FHIR tools can use the
 * clinic's set: the stored Questionnaire in use (or, when deactivated, the latest used), or any
 * stored version by `?version=` (drafts not yet activated are not served).
 */
import { requireUser } from '$lib/server/auth/guard';
import { db } from '$lib/server/context';
import { storedDefinition } from '$lib/server/instruments/store';
import type { RequestHandler } from './$types';

const FHIR_JSON = 'application/fhir+json; charset=utf-8';
const ID = /^[a-z0-9_]{1,40}$/;
const VERSION = /^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/;

function notFound(diagnostics: string): Response {
	const outcome = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found', diagnostics }] };
	return new Response(JSON.stringify(outcome), { status: 404, headers: { 'content-type': FHIR_JSON } });
}

export const GET: RequestHandler = async (event) => {
	requireUser(event);
	const id = event.params.id;
	if (!ID.test(id)) return notFound(`No Questionnaire “${id.slice(0, 60)}”.`);
	const version = event.url.searchParams.get('version');
	if (version !== null && !VERSION.test(version)) return notFound(`Questionnaire “${id}” has no version “${version.slice(0, 60)}”.`);
	const found = await storedDefinition(db(), id, version ?? undefined);
	if (!found || found.status === 'draft') {
		if (version === null) return notFound(`No Questionnaire “${id}”.`);
		const current = await storedDefinition(db(), id);
		return notFound(current ? `Questionnaire “${id}” has no version “${version}” (it has ${current.version}).` : `No Questionnaire “${id}”.`);
	}
	return new Response(JSON.stringify(found.questionnaire), { headers: { 'content-type': FHIR_JSON, 'cache-control': 'private, no-cache' } });
};
