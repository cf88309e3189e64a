import { isUuid } from '$lib/validation/ids';
import { error } from '@sveltejs/kit';
import * as v from 'valibot';
import { invalid } from '$lib/server/form';
import { requireRole } from '$lib/server/auth/guard';
import { db } from '$lib/server/context';
import { getUser, setPassword, updateUserAccess } from '$lib/server/users';
import { mfaState, removeMfa } from '$lib/server/auth/mfa';
import { NewPasswordSchema, RoleSchema } from '$lib/validation/account';
import type { Actions, PageServerLoad, RequestEvent } from './$types';

export const load: PageServerLoad = async (event) => {
	requireRole(event, 'admin');
	const user = await getUser(db(), event.params.id);
	if (!user) error(404, { message: 'No such user' });
	const mfa = await mfaState(db(), user.id);
	return {
		target: { id: user.id, name: user.name, email: user.email, role: user.role, active: user.active, mfa: mfa.enabled },
		created: event.url.searchParams.has('created')
	};
};

async function changeAccess(event: RequestEvent, change: { role?: 'admin' | 'clinician' | 'researcher'; active?: boolean }) {
	const admin = requireAdminOnUser(event);
	const result = await updateUserAccess(db(), { id: admin.id, requestId: event.locals.requestId }, event.params.id, change);
	if (!result.ok) return invalid({}, { [result.field]: result.message });
	return { done: change.active === false ? 'deactivated' : change.active ? 'reactivated' : 'role' };
}

/** The administrator, once the address names a user id at all (else 404, not a database error). */
function requireAdminOnUser(event: RequestEvent) {
	const admin = requireRole(event, 'admin');
	if (!isUuid(event.params.id)) error(404, { message: 'No such user' });
	return admin;
}

export const actions: Actions = {
	role: async (event) => {
		requireAdminOnUser(event);
		const parsed = v.safeParse(RoleSchema, (await event.request.formData()).get('role'));
		if (!parsed.success) return invalid({}, { role: 'Choose a role.' });
		return changeAccess(event, { role: parsed.output });
	},
	deactivate: (event) => changeAccess(event, { active: false }),
	reactivate: (event) => changeAccess(event, { active: true }),
	password: async (event) => {
		const admin = requireAdminOnUser(event);
		const parsed = v.safeParse(NewPasswordSchema, (await event.request.formData()).get('password'));
		if (!parsed.success) return invalid({}, { password: parsed.issues[0].message });
		const result = await setPassword(db(), { id: admin.id, requestId: event.locals.requestId }, event.params.id, parsed.output);
		if (!result.ok) return invalid({}, { [result.field]: result.message });
		return { done: 'password' };
	},
	/** For a user who lost both phone and recovery codes: they set it up again at next sign-in. */
	resetMfa: async (event) => {
		const admin = requireAdminOnUser(event);
		const removed = await removeMfa(db(), { id: admin.id, requestId: event.locals.requestId }, event.params.id, 'admin_reset');
		if (!removed) return invalid({}, { mfa: 'This user has no two-factor sign-in to reset.' });
		return { done: 'mfa' };
	}
};
