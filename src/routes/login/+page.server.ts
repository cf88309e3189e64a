import { redirect } from '@sveltejs/kit';
import * as v from 'valibot';
import { invalid } from '$lib/server/form';
import { safeNext } from '$lib/server/auth/guard';
import { verifySecondFactor } from '$lib/server/auth/mfa';
import { invalidateSession } from '$lib/server/auth/session';
import { THROTTLED_MESSAGE, throttledAttempt } from '$lib/server/auth/throttle';
import { beginSignIn, clearSessionCookie, db, finishSignIn, needsSetup, throttleLimits } from '$lib/server/context';
import { authenticate } from '$lib/server/users';
import { LoginSchema } from '$lib/validation/account';
import { fieldErrors, formValues } from '$lib/validation/form';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
	if (await needsSetup()) redirect(303, '/setup');
	const next = safeNext(url.searchParams.get('next'), url.origin);
	if (locals.user) redirect(303, next);
	if (locals.pending?.step === 'enrol') redirect(303, `/login/enrol?next=${encodeURIComponent(next)}`);
	return { next, step: locals.pending?.step === 'verify' ? ('code' as const) : ('password' as const) };
};

export const actions: Actions = {
	password: async (event) => {
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
			const message = result.reason === 'throttled' ? THROTTLED_MESSAGE : 'Email or password is incorrect.';
			return invalid(echo, { form: message }, result.reason === 'throttled' ? 429 : 400);
		}
		// A half-finished sign-in in this browser is replaced.
		if (event.locals.session) await invalidateSession(db(), event.locals.session.id);
		const step = await beginSignIn(event.cookies, event.url, result.user);
		const next = safeNext(values.next, event.url.origin);
		if (step === 'enrol') redirect(303, `/login/enrol?next=${encodeURIComponent(next)}`);
		redirect(303, step === 'verify' ? `/login?next=${encodeURIComponent(next)}` : next);
	},
	/** The second step: a code from the authenticator app, or a recovery code. */
	code: async (event) => {
		const pending = event.locals.pending;
		if (!pending || pending.step !== 'verify' || !event.locals.session) redirect(303, '/login');
		const values = formValues(await event.request.formData(), ['code', 'next']);
		const address = event.getClientAddress();
		// Wrong codes count against the account and the address like wrong passwords.
		const outcome = await throttledAttempt(db(), pending.user.email, address, throttleLimits(), async () =>
			(await verifySecondFactor(db(), pending.user.id, values.code)) !== null
		);
		if (outcome === 'throttled') return invalid({}, { code: THROTTLED_MESSAGE }, 429);
		if (outcome === 'invalid') {
			return invalid({}, { code: 'That code is not correct or was already used. Type the current 6-digit code, or a recovery code.' });
		}
		await finishSignIn(event.cookies, event.url, event.locals.session.id, pending.user.id);
		redirect(303, safeNext(values.next, event.url.origin));
	},
	/** Back to the password form (another account, or no phone at hand). */
	cancel: async (event) => {
		// Only a half-finished sign-in is cancelled here; a full session signs out at /logout.
		if (event.locals.session?.pending) {
			await invalidateSession(db(), event.locals.session.id);
			clearSessionCookie(event.cookies, event.url);
		}
		redirect(303, '/login');
	}
};
