import { requireRole } from '$lib/server/auth/guard';
import { db, readDb } from '$lib/server/context';
import { exportRequest } from '$lib/server/export/download';
import { exportSecret } from '$lib/server/export/secret';
import type { RequestHandler } from './$types';

// GET /api/export-events.csv with the same options as /api/export.csv (pseudonyms=stable only):
// the adverse events and flare episodes of the patients that file exports, under the same pseudonyms.
export const GET: RequestHandler = (event) => {
	const user = requireRole(event, 'clinician', 'researcher', 'admin');
	return exportRequest({ read: readDb(), write: db() }, event.url, exportSecret(), { id: user.id, role: user.role, requestId: event.locals.requestId }, 'events');
};
