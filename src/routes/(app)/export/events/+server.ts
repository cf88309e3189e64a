import { requireRole } from '$lib/server/auth/guard';
import { db, readDb } from '$lib/server/context';
import { exportRequest } from '$lib/server/export/download';
import { exportSecret } from '$lib/server/export/secret';
import type { RequestHandler } from './$types';

// The export's events file, for the page's selection (the same query string as /export/download).
export const GET: RequestHandler = (event) => {
	const user = requireRole(event, 'clinician', 'researcher', 'admin');
	return exportRequest({ read: readDb(), write: db() }, event.url, exportSecret(), { id: user.id, role: user.role, requestId: event.locals.requestId }, 'events');
};
