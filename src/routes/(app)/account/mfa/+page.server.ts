// Turning on two-factor sign-in from the account page.
import { redirect } from '@sveltejs/kit';
import { invalid } from '$lib/server/form';
import { requireUser } from '$lib/server/auth/guard';
import { beginEnrolment, confirmEnrolment } from '$lib/server/auth/mfa';
import { db } from '$lib/server/context';
import { formValues } from '$lib/validation/form';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const enrolment = await beginEnrolment(db(), user.id);
	// Already on: nothing to set up (unless the page is showing the codes just made).
	if (!enrolment && event.request.method === 'GET') redirect(303, '/account');
	return { enrolment };
};

export const actions: Actions = {
	confirm: async (event) => {
		const user = requireUser(event);
		const values = formValues(await event.request.formData(), ['code']);
		const result = await confirmEnrolment(db(), { id: user.id, requestId: event.locals.requestId }, values.code);
		if (!result.ok) return invalid({}, { code: result.message });
		return { codes: result.value };
	}
};
