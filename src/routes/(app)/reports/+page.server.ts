import { requireRole } from '$lib/server/auth/guard';
import { readDb } from '$lib/server/context';
import { listPlans } from '$lib/server/plans';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireRole(event, 'clinician', 'researcher', 'admin');
	const plans = await listPlans(readDb());
	return {
		mayWrite: user.role !== 'clinician',
		plans: plans.map((p) => ({ planId: p.planId, title: p.title, version: p.version, status: p.status, lockedAt: p.lockedAt?.toISOString().slice(0, 10) ?? null, createdBy: p.createdBy }))
	};
};
