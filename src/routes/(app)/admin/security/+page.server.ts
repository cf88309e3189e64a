// Sign-in security: which roles must use two-factor sign-in, and who is locked out now.
import * as v from 'valibot';
import { invalid } from '$lib/server/form';
import { requireRole } from '$lib/server/auth/guard';
import { mfaRequiredRoles, mfaState, setMfaRequiredRoles } from '$lib/server/auth/mfa';
import { clearLockout, listLockouts } from '$lib/server/auth/throttle';
import { db, throttleLimits } from '$lib/server/context';
import { RoleSchema } from '$lib/validation/account';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	requireRole(event, 'admin');
	const [required, lockouts] = await Promise.all([mfaRequiredRoles(db()), listLockouts(db(), throttleLimits())]);
	const limits = throttleLimits();
	return {
		required,
		limits,
		lockouts: lockouts.map((l) => ({
			kind: l.kind,
			key: l.key,
			failures: l.failures,
			lastFailureAt: l.lastFailureAt.toISOString().slice(0, 16).replace('T', ' '),
			lockedUntil: l.lockedUntil.toISOString().slice(0, 16).replace('T', ' ')
		}))
	};
};

const KindSchema = v.picklist(['account', 'address']);

export const actions: Actions = {
	policy: async (event) => {
		const admin = requireRole(event, 'admin');
		const roles = (await event.request.formData()).getAll('role').map(String);
		const parsed = v.safeParse(v.array(RoleSchema), roles);
		if (!parsed.success) return invalid({}, { policy: 'Choose roles from the list.' });
		const chosen = [...new Set(parsed.output)].sort();
		// Requiring it for one's own role without having it would lock oneself out at next sign-in.
		if (chosen.includes(admin.role) && !(await mfaState(db(), admin.id)).enabled) {
			return invalid({}, { policy: 'Turn on two-factor sign-in for your own account first (Account page), then require it for administrators.' });
		}
		await setMfaRequiredRoles(db(), { id: admin.id, requestId: event.locals.requestId }, chosen);
		return { done: 'policy' };
	},
	clear: async (event) => {
		const admin = requireRole(event, 'admin');
		const data = await event.request.formData();
		const kind = v.safeParse(KindSchema, data.get('kind'));
		const key = String(data.get('key') ?? '');
		if (!kind.success || key.length < 1 || key.length > 320) return invalid({}, { lockouts: 'No such lock-out.' });
		await clearLockout(db(), { id: admin.id, requestId: event.locals.requestId }, kind.output, key);
		return { done: 'cleared', cleared: key };
	}
};
