import { json } from '@sveltejs/kit';
import { requireRole } from '$lib/server/auth/guard';
import { db } from '$lib/server/context';
import { planExport } from '$lib/server/export';
import { exportResponse } from '$lib/server/export/download';
import { exportSecret } from '$lib/server/export/secret';
import { readOptions } from '../../(app)/export/options';
import type { RequestHandler } from './$types';

// GET /api/export.csv?instruments=fss9,pain_nrs&conditions=…&items=1&pseudonyms=stable|unlinkable&k=5
// with `Authorization: Bearer <token>` (or a session): the same pipeline and audit as the page.
export const GET: RequestHandler = async (event) => {
	const user = requireRole(event, 'clinician', 'researcher', 'admin');
	const read = readOptions(event.url);
	if (!read.ok) return json({ message: read.errors.join(' ') }, { status: 400 });
	const plan = await planExport(db(), read.options);
	return exportResponse(db(), read.options, plan, exportSecret(), { id: user.id, requestId: event.locals.requestId });
};
