import { json } from '@sveltejs/kit';
import { requireRole } from '$lib/server/auth/guard';
import { db } from '$lib/server/context';
import { lockPlan } from '$lib/server/plans';
import type { RequestHandler } from './$types';

// POST /api/plans/<id>/lock → { id, version, sha256, locked_at, followups_at_lock }; 404 no such plan; 409 already locked.
export const POST: RequestHandler = async (event) => {
	const user = requireRole(event, 'researcher', 'admin');
	const locked = await lockPlan(db(), { id: user.id, requestId: event.locals.requestId }, event.params.id);
	if (!locked.ok) return json({ message: locked.message }, { status: locked.status });
	return json({ id: event.params.id, version: locked.version, sha256: locked.sha256, locked_at: locked.lockedAt.toISOString(), followups_at_lock: locked.followupsAtLock });
};
