import { json } from '@sveltejs/kit';
import { requireRole } from '$lib/server/auth/guard';
import { cohortTrend } from '$lib/server/cohort';
import { auditCohortQuery, readTrendRequest } from '$lib/server/cohort/request';
import { settings } from '$lib/server/config';
import { db, readDb } from '$lib/server/context';
import type { RequestHandler } from './$types';

// GET /api/cohort/trend?instrument=fss9&scale=mean&axis=visit|week&bucket=2&measure=score|change&conditions=a,b&from=&to=
// (below admin, from/to are whole quarters: 2024-07-01 … 2024-09-30). Every query is audited.
export const GET: RequestHandler = async (event) => {
	const user = requireRole(event, 'clinician', 'researcher', 'admin');
	const actor = { id: user.id, requestId: event.locals.requestId };
	const request = readTrendRequest(event.url, user.role);
	if (!request.ok) {
		await auditCohortQuery(db(), actor, 'api', request);
		return json({ message: request.message, ...(request.params ? { errors: request.fields } : {}) }, { status: 400 });
	}
	// The audit row is written while the chart is read (from the replica when there is one).
	const [trend] = await Promise.all([cohortTrend(readDb(), request.query, settings().minCell), auditCohortQuery(db(), actor, 'api', request)]);
	return json({
		k: trend.k,
		series: trend.series.map(({ condition, points }) => ({ condition, points })),
		responders: trend.responders
	});
};
