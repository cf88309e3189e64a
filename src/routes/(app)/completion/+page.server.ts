import { requireRole } from '$lib/server/auth/guard';
import { settings } from '$lib/server/config';
import { readDb } from '$lib/server/context';
import { conditionCompletion, scheduleOverview } from '$lib/server/schedule';
import { today } from '$lib/validation/clinical';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireRole(event, 'clinician', 'researcher', 'admin');
	const scheduled = (await scheduleOverview(readDb())).filter((c) => c.points.length > 0).map((c) => ({ code: c.code, label: c.label }));
	const asked = event.url.searchParams.get('condition');
	const chosen = scheduled.find((c) => c.code === asked) ?? scheduled[0] ?? null;
	// Researchers see no cell of fewer than k patients; the matrix never holds names or dates.
	const k = user.role === 'researcher' ? settings().minCell : 0;
	const matrix = chosen ? await conditionCompletion(readDb(), chosen.code, today(), k) : null;
	return { conditions: scheduled, chosen, matrix, k: settings().minCell, suppressed: k > 0 };
};
