import { db } from '$lib/server/context';
import { unacknowledgedSerious } from '$lib/server/safety';
import type { LayoutServerLoad } from './$types';

// For the menu, and the serious adverse events awaiting an admin's acknowledgement (shown to
// clinicians and admins on every page). Every page checks the role itself.
export const load: LayoutServerLoad = async ({ locals, url }) => {
	const user = locals.user;
	// Reading the path makes this run on every navigation, so a notice appears without a reload.
	void url.pathname;
	const seesNotices = user?.role === 'clinician' || user?.role === 'admin';
	const serious = seesNotices ? await unacknowledgedSerious(db()) : null;
	return {
		user: user ? { name: user.name, role: user.role } : null,
		seriousNotice: serious && serious.total > 0 ? { total: serious.total, events: serious.events } : null
	};
};
