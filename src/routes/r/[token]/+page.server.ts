import { fail, redirect } from '@sveltejs/kit';
import { db, throttleLimits } from '$lib/server/context';
import { settings } from '$lib/server/config';
import { linkLookupThrottled, noteFailedLinkLookup, openLink, patientErrors, patientForms, submitSelfReport, submittedAnswers, LINK_UNUSABLE } from '$lib/server/selfreport';
import { rawAnswers } from '$lib/validation/answers';
import type { Actions, PageServerLoad, RequestEvent } from './$types';

const THROTTLED = 'Too many links that could not be used were opened from here. Please wait a few minutes and try again.';

/**
 * The patient's link: public (the token is the key). Every link that cannot be used — unknown,
 * used, revoked, expired — gets the same words, so the page never tells whether one existed.
 */
async function openFor(event: RequestEvent) {
	const address = event.getClientAddress();
	if (await linkLookupThrottled(db(), address, { windowMinutes: throttleLimits().windowMinutes, max: settings().linkFailuresMax })) return { state: 'throttled' as const };
	const open = await openLink(db(), event.params.token);
	if (!open) {
		await noteFailedLinkLookup(db(), address);
		return { state: 'unusable' as const };
	}
	return { state: 'open' as const, open };
}

export const load: PageServerLoad = async (event) => {
	const found = await openFor(event);
	if (found.state !== 'open') return { state: found.state, message: found.state === 'throttled' ? THROTTLED : LINK_UNUSABLE, forms: [] };
	return { state: found.state, message: null, forms: patientForms(found.open) };
};

export const actions: Actions = {
	submit: async (event) => {
		const found = await openFor(event);
		if (found.state !== 'open') return fail(found.state === 'throttled' ? 429 : 410, { gone: found.state === 'throttled' ? THROTTLED : LINK_UNUSABLE });
		const data = await event.request.formData();
		const result = await submitSelfReport(db(), found.open, submittedAnswers(data, found.open), event.locals.requestId);
		if (!result.ok) {
			if (result.reason === 'gone') return fail(410, { gone: LINK_UNUSABLE });
			return fail(400, { answers: rawAnswers(data), errors: patientErrors(result.errors) });
		}
		redirect(303, '/r/thanks');
	}
};
