import { json } from '@sveltejs/kit';
import * as v from 'valibot';
import { requireRole } from '$lib/server/auth/guard';
import { db } from '$lib/server/context';
import { supersedePlan } from '$lib/server/plans';
import { planContext, readJson } from '$lib/server/plans/request';
import { parsePlan, ReasonSchema } from '$lib/validation/plans';
import type { RequestHandler } from './$types';

// POST /api/plans/<id>/versions with { plan, reason } → 201 { id, version } (a draft superseding the locked version),
// 400 naming each bad field (plan.<field>, reason), 404 no such plan, 409 the live version is still a draft.
export const POST: RequestHandler = async (event) => {
	const user = requireRole(event, 'researcher', 'admin');
	const body = await readJson(event.request);
	if (!body.ok || typeof body.value !== 'object' || body.value === null || Array.isArray(body.value)) {
		return json({ message: 'The body is a JSON object { plan, reason }.', errors: { body: 'The body is a JSON object { plan, reason }.' } }, { status: 400 });
	}
	const { plan, reason, ...rest } = body.value as Record<string, unknown>;
	const errors: Record<string, string> = {};
	for (const key of Object.keys(rest)) errors[key] = 'Unknown field.';
	const parsed = parsePlan(plan, await planContext(db(), user.role));
	if (!parsed.ok) for (const [f, m] of Object.entries(parsed.errors)) errors[f === 'plan' ? 'plan' : `plan.${f}`] = m;
	const why = v.safeParse(ReasonSchema, reason);
	if (!why.success) errors.reason = why.issues[0].message;
	if (!parsed.ok || !why.success || Object.keys(errors).length > 0) {
		return json({ message: Object.entries(errors).map(([f, m]) => `${f}: ${m}`).join(' '), errors }, { status: 400 });
	}
	const made = await supersedePlan(db(), { id: user.id, requestId: event.locals.requestId }, event.params.id, parsed.plan, why.output);
	if (!made.ok) return json({ message: made.message }, { status: made.status });
	return json({ id: made.id, version: made.version }, { status: 201 });
};
