import { requireRole } from '$lib/server/auth/guard';
import { db } from '$lib/server/context';
import { scheduleOverview } from '$lib/server/schedule';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	requireRole(event, 'admin');
	return { conditions: await scheduleOverview(db()) };
};
