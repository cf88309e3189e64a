import { requireRole } from '$lib/server/auth/guard';
import { db } from '$lib/server/context';
import { dueList, scheduleOverview } from '$lib/server/schedule';
import { today } from '$lib/validation/clinical';
import type { PageServerLoad } from './$types';

const PAGE_SIZE = 100;

export const load: PageServerLoad = async (event) => {
	requireRole(event, 'clinician', 'admin');
	const page = Math.min(10_000, Math.max(1, Number.parseInt(event.url.searchParams.get('page') ?? '1', 10) || 1));
	const on = today();
	const conditions = (await scheduleOverview(db())).filter((c) => c.points.length > 0).map((c) => ({ code: c.code, label: c.label }));
	const asked = event.url.searchParams.get('condition');
	const condition = conditions.find((c) => c.code === asked)?.code ?? null;
	const list = await dueList(db(), on, { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE, conditionCode: condition ?? undefined });
	return { today: on, page, pageSize: PAGE_SIZE, total: list.total, rows: list.rows, conditions, condition };
};
