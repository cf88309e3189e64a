import { error, fail, redirect } from '@sveltejs/kit';
import { db, throttleLimits } from '$lib/server/context';
import { THROTTLED_MESSAGE } from '$lib/server/auth/throttle';
import { authenticate } from '$lib/server/users';
import { checkKioskPin, hasKioskPin, KIOSK_PIN } from '$lib/server/auth/kiosk-pin';
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
	return { forms: open ? patientForms(open) : [], done: !open, pin: await hasKioskPin(db(), kiosk.user.id) };
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
	/**
	 * The clinician's password, or their PIN when they set one, ends patient mode (either throttled
	 * as a sign-in is). A PIN is 6–8 digits and a password at least 12 characters, so the value says which.
	 */
	exit: async (event) => {
		const kiosk = kioskOf(event);
		const data = await event.request.formData();
		const password = String(data.get('password') ?? '');
		if (!password) return fail(400, { exitError: 'Enter the clinician’s password.' });
		const address = event.getClientAddress();
		const ok = KIOSK_PIN.test(password)
			? await checkKioskPin(db(), { id: kiosk.user.id, email: kiosk.user.email, address }, password, throttleLimits())
			: await authenticate(db(), kiosk.user.email, password, address, throttleLimits()).then((o) => (o.ok ? 'ok' : o.reason));
		if (ok === 'throttled') return fail(429, { exitError: THROTTLED_MESSAGE });
		if (ok !== 'ok') return fail(400, { exitError: 'That is not the password or PIN of the clinician who handed over this device.' });
		await setKiosk(db(), kiosk.sessionId, null);
		const where = await selfReportVisit(db(), kiosk.linkId);
		redirect(303, where ? `/patients/${where.patientId}/visits/${where.visitId}/self-report` : '/');
	}
};
