import { redirect } from '@sveltejs/kit';
import * as v from 'valibot';
import { invalid } from '$lib/server/form';
import { safeNext } from '$lib/server/auth/guard';
import { db, needsSetup, startSession, throttleLimits } from '$lib/server/context';
import { authenticate } from '$lib/server/users';
import { LoginSchema } from '$lib/validation/account';
import { fieldErrors, formValues } from '$lib/validation/form';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
	if (await needsSetup()) redirect(303, '/setup');
	if (locals.user) redirect(303, safeNext(url.searchParams.get('next')));
	return { next: safeNext(url.searchParams.get('next')) };
};

export const actions: Actions = {
	default: async (event) => {
		const data = await event.request.formData();
		const values = formValues(data, ['email', 'password', 'next']);
		const echo = { email: values.email };
		const parsed = v.safeParse(LoginSchema, values);
		if (!parsed.success) return invalid(echo, fieldErrors(parsed.issues));
		const result = await authenticate(
			db(),
			parsed.output.email,
			parsed.output.password,
			event.getClientAddress(),
			throttleLimits()
		);
		if (!result.ok) {
			const message =
				result.reason === 'throttled'
					? 'Too many failed attempts. Wait a few minutes and try again.'
					: 'Email or password is incorrect.';
			return invalid(echo, { form: message }, result.reason === 'throttled' ? 429 : 400);
		}
		await startSession(event.cookies, event.url, result.user.id);
		redirect(303, safeNext(values.next));
	}
};
