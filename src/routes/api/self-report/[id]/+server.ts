import { json } from '@sveltejs/kit';
import { requireRole } from '$lib/server/auth/guard';
import { db } from '$lib/server/context';
import { revokeSelfReport } from '$lib/server/selfreport';
import type { RequestHandler } from './$types';

// DELETE /api/self-report/<id>: revokes a link (or tablet session) not yet answered.
// 200 {revoked: true} (also when it was revoked before), 404 unknown, 409 already answered.
export const DELETE: RequestHandler = async (event) => {
	const user = requireRole(event, 'clinician', 'admin');
	const result = await revokeSelfReport(db(), { id: user.id, requestId: event.locals.requestId }, event.params.id);
	if (result === 'missing') return json({ message: 'No such self-report' }, { status: 404 });
	if (result === 'used') return json({ message: 'Already answered: it cannot be revoked' }, { status: 409 });
	return json({ revoked: true });
};
