// Where the administrator requires two-factor sign-in for a role, a user who has none sets it up
// here, between password and first page. Only a pending 'enrol' session opens this page.
import { redirect } from '@sveltejs/kit';
import { invalid } from '$lib/server/form';
import { safeNext } from '$lib/server/auth/guard';
import { beginEnrolment, confirmEnrolment } from '$lib/server/auth/mfa';
import { THROTTLED_MESSAGE, throttledAttempt } from '$lib/server/auth/throttle';
import { db, finishSignIn, throttleLimits } from '$lib/server/context';
import { formValues } from '$lib/validation/form';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
	const next = safeNext(url.searchParams.get('next'), url.origin);
	if (locals.pending?.step !== 'enrol') redirect(303, locals.user ? next : '/login');
	return { next, enrolment: await beginEnrolment(db(), locals.pending.user.id) };
};

export const actions: Actions = {
	confirm: async (event) => {
		const pending = event.locals.pending;
		if (pending?.step !== 'enrol' || !event.locals.session) redirect(303, '/login');
		const values = formValues(await event.request.formData(), ['code', 'next']);
		const address = event.getClientAddress();
		let result: Awaited<ReturnType<typeof confirmEnrolment>> | undefined;
		const outcome = await throttledAttempt(db(), pending.user.email, address, throttleLimits(), async () => {
			result = await confirmEnrolment(db(), { id: pending.user.id, requestId: event.locals.requestId }, values.code);
			return result.ok;
		});
		if (outcome === 'throttled') return invalid({}, { code: THROTTLED_MESSAGE }, 429);
		if (!result?.ok) return invalid({}, { code: result?.message ?? 'That code does not match.' });
		await finishSignIn(event.cookies, event.url, event.locals.session.id, pending.user.id);
		return { codes: result.value };
	}
};
