import { json } from '@sveltejs/kit';
import { requireRole } from '$lib/server/auth/guard';
import { db } from '$lib/server/context';
import { createPlan } from '$lib/server/plans';
import { planContext, readJson } from '$lib/server/plans/request';
import { parsePlan } from '$lib/validation/plans';
import type { RequestHandler } from './$types';

// POST /api/plans with the plan as JSON (PlanBody) → 201 { id, version } (a draft), or 400 { message, errors: { field: message } }.
export const POST: RequestHandler = async (event) => {
	const user = requireRole(event, 'researcher', 'admin');
	const body = await readJson(event.request);
	if (!body.ok) return json({ message: 'The body is not JSON.', errors: { plan: 'The body is not JSON.' } }, { status: 400 });
	const parsed = parsePlan(body.value, await planContext(db(), user.role));
	if (!parsed.ok) return json({ message: Object.entries(parsed.errors).map(([f, m]) => `${f}: ${m}`).join(' '), errors: parsed.errors }, { status: 400 });
	const created = await createPlan(db(), { id: user.id, requestId: event.locals.requestId }, parsed.plan);
	return json(created, { status: 201 });
};
