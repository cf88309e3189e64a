import { requireRole } from '$lib/server/auth/guard';
import { db } from '$lib/server/context';
import { listConditions, listPatients } from '$lib/server/patients';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	requireRole(event, 'clinician', 'admin');
	const params = event.url.searchParams;
	const q = params.get('q')?.slice(0, 100) ?? '';
	const condition = params.get('condition') ?? '';
	const archived = params.get('archived') === '1';
	const page = Math.max(1, Number.parseInt(params.get('page') ?? '1', 10) || 1);
	const [list, conditions] = await Promise.all([
		listPatients(db(), { q, condition: condition || undefined, archived, page, pageSize: 25 }),
		listConditions(db())
	]);
	return { ...list, q, condition, archived, conditions: conditions.map((c) => ({ code: c.code, label: c.label })) };
};
