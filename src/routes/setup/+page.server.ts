import { redirect } from '@sveltejs/kit';
import * as v from 'valibot';
import { invalid } from '$lib/server/form';
import { db, needsSetup, startSession } from '$lib/server/context';
import { createFirstAdmin } from '$lib/server/users';
import { FirstAdminSchema } from '$lib/validation/account';
import { fieldErrors, formValues } from '$lib/validation/form';
import type { Actions, PageServerLoad } from './$types';

// Public only while no account exists; afterwards the page is gone.
export const load: PageServerLoad = async () => {
	if (!(await needsSetup())) redirect(303, '/login');
};

export const actions: Actions = {
	default: async (event) => {
		if (!(await needsSetup())) redirect(303, '/login');
		const values = formValues(await event.request.formData(), ['email', 'name', 'password', 'confirm']);
		const echo = { email: values.email, name: values.name };
		const parsed = v.safeParse(FirstAdminSchema, values);
		if (!parsed.success) return invalid(echo, fieldErrors(parsed.issues));
		const result = await createFirstAdmin(db(), parsed.output, event.locals.requestId);
		if (!result.ok) return invalid(echo, { [result.field]: result.message });
		await startSession(event.cookies, event.url, result.value);
		redirect(303, '/admin/users');
	}
};
