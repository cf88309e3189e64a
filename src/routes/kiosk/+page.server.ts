import { error, fail, redirect } from '@sveltejs/kit';
import { db, throttleLimits } from '$lib/server/context';
import { THROTTLED_MESSAGE } from '$lib/server/auth/throttle';
import { authenticate } from '$lib/server/users';
import { openTablet, patientErrors, patientForms, selfReportVisit, setKiosk, submitSelfReport, submittedAnswers } from '$lib/server/selfreport';
import { rawAnswers } from '$lib/validation/answers';
import type { Actions, PageServerLoad, RequestEvent } from './$types';

/**
 * Patient mode on the clinic's tablet. Only a session a clinician put into patient mode opens
 * this (hooks.server.ts lets such a session open nothing else); anyone else gets 404.
 */
function kioskOf(event: Pick<RequestEvent, 'locals'>) {
	const kiosk = event.locals.kiosk;
	if (!kiosk) error(404, { message: 'No self-report is in progress on this device' });
	return kiosk;
}

export const load: PageServerLoad = async (event) => {
	const kiosk = kioskOf(event);
	const open = await openTablet(db(), kiosk.linkId);
	return { forms: open ? patientForms(open) : [], done: !open };
};

export const actions: Actions = {
	submit: async (event) => {
		const kiosk = kioskOf(event);
		const open = await openTablet(db(), kiosk.linkId);
		if (!open) redirect(303, '/kiosk');
		const data = await event.request.formData();
		const result = await submitSelfReport(db(), open, submittedAnswers(data, open), event.locals.requestId);
		if (!result.ok && result.reason === 'answers') return fail(400, { answers: rawAnswers(data), errors: patientErrors(result.errors) });
		redirect(303, '/kiosk');
	},
	/** The clinician's password ends patient mode (throttled as a sign-in is). */
	exit: async (event) => {
		const kiosk = kioskOf(event);
		const data = await event.request.formData();
		const password = String(data.get('password') ?? '');
		if (!password) return fail(400, { exitError: 'Enter the clinician’s password.' });
		const outcome = await authenticate(db(), kiosk.user.email, password, event.getClientAddress(), throttleLimits());
		if (!outcome.ok && outcome.reason === 'throttled') return fail(429, { exitError: THROTTLED_MESSAGE });
		if (!outcome.ok) return fail(400, { exitError: 'That is not the password of the clinician who handed over this device.' });
		await setKiosk(db(), kiosk.sessionId, null);
		const where = await selfReportVisit(db(), kiosk.linkId);
		redirect(303, where ? `/patients/${where.patientId}/visits/${where.visitId}/self-report` : '/');
	}
};
