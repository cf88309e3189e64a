import { redirect } from '@sveltejs/kit';
import * as v from 'valibot';
import { invalid } from '$lib/server/form';
import { requireRole } from '$lib/server/auth/guard';
import { db } from '$lib/server/context';
import { createUser, listUsers } from '$lib/server/users';
import { NewUserSchema } from '$lib/validation/account';
import { fieldErrors, formValues } from '$lib/validation/form';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	requireRole(event, 'admin');
	const users = await listUsers(db());
	return {
		users: users.map((u) => ({ id: u.id, name: u.name, email: u.email, role: u.role, active: u.active, mfa: u.mfa }))
	};
};

export const actions: Actions = {
	create: async (event) => {
		const admin = requireRole(event, 'admin');
		const values = formValues(await event.request.formData(), ['email', 'name', 'role', 'password']);
		const echo = { email: values.email, name: values.name, role: values.role };
		const parsed = v.safeParse(NewUserSchema, values);
		if (!parsed.success) return invalid(echo, fieldErrors(parsed.issues));
		const result = await createUser(db(), { id: admin.id, requestId: event.locals.requestId }, parsed.output);
		if (!result.ok) return invalid(echo, { [result.field]: result.message });
		redirect(303, `/admin/users/${result.value}?created=1`);
	}
};
