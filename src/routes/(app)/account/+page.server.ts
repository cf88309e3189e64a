import * as v from 'valibot';
import { invalid } from '$lib/server/form';
import { requireUser } from '$lib/server/auth/guard';
import { db } from '$lib/server/context';
import { checkPassword, setPassword } from '$lib/server/users';
import { ChangePasswordSchema } from '$lib/validation/account';
import { fieldErrors, formValues } from '$lib/validation/form';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = (event) => {
	const user = requireUser(event);
	return { email: user.email, role: user.role };
};

export const actions: Actions = {
	password: async (event) => {
		const user = requireUser(event);
		const values = formValues(await event.request.formData(), ['current', 'password', 'confirm']);
		const parsed = v.safeParse(ChangePasswordSchema, values);
		if (!parsed.success) return invalid({}, fieldErrors(parsed.issues));
		if (!(await checkPassword(db(), user.id, parsed.output.current))) {
			return invalid({}, { current: 'Your current password is not correct.' });
		}
		const result = await setPassword(
			db(),
			{ id: user.id, requestId: event.locals.requestId },
			user.id,
			parsed.output.password,
			event.locals.session?.id
		);
		if (!result.ok) return invalid({}, { [result.field]: result.message });
		return { saved: true };
	}
};
