import { redirect } from '@sveltejs/kit';
import { requireUser } from '$lib/server/auth/guard';
import { settings } from '$lib/server/config';
import { needsSetup, readDb } from '$lib/server/context';
import { conditionHeadlines, patientsSeen, recentTransfers } from '$lib/server/dashboard';
import { listConditions } from '$lib/server/patients';
import { today } from '$lib/validation/clinical';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	if (await needsSetup()) redirect(303, '/setup');
	const user = requireUser(event);
	const k = settings().minCell;
	const db = readDb();
	const conditions = await listConditions(db);
	// Researchers see the aggregate parts only: no visit counts by calendar week, no file names.
	const clinical = user.role !== 'researcher';
	const [headlines, seen, transfers] = await Promise.all([
		conditionHeadlines(db, conditions, k),
		clinical ? patientsSeen(db, today()) : null,
		user.role === 'admin' ? recentTransfers(db) : null
	]);
	return { name: user.name, role: user.role, k, headlines, seen, transfers };
};
