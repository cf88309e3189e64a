import { requireRole } from '$lib/server/auth/guard';
import { latestAudit, verifyAuditChain } from '$lib/server/audit';
import { db } from '$lib/server/context';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	requireRole(event, 'admin');
	const rows = await latestAudit(db(), 100);
	return { rows: rows.map((r) => ({ ...r, at: r.at.toISOString() })) };
};

export const actions: Actions = {
	verify: async (event) => {
		requireRole(event, 'admin');
		return { report: await verifyAuditChain(db()) };
	}
};
