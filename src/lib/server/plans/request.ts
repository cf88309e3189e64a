/** Reading a plan from a JSON request (the plan API): the body, the caller's context, the 400 naming each field. */
import type { Db } from '../db';
import type { Role } from '../db/schema';
import { listConditions } from '../patients';
import { mayFilterByDay } from '../../privacy/periods';
import type { PlanContext } from '../../validation/plans';

export async function planContext(db: Db, role: Role): Promise<PlanContext> {
	const conditions = await listConditions(db, true);
	return { conditions: new Set(conditions.map((c) => c.code)), dayPrecise: mayFilterByDay(role) };
}

/** The request's JSON, or undefined when it is not JSON (the caller answers 400). */
export async function readJson(request: Request): Promise<{ ok: true; value: unknown } | { ok: false }> {
	try {
		return { ok: true, value: await request.json() };
	} catch {
		return { ok: false };
	}
}
