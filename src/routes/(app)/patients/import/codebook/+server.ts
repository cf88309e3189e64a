import { requireRole } from '$lib/server/auth/guard';
import { db } from '$lib/server/context';
import { importCodebook } from '$lib/import/codebook';
import { listConditions } from '$lib/server/patients';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async (event) => {
	requireRole(event, 'clinician', 'admin');
	return new Response(importCodebook(await listConditions(db(), true)), {
		headers: { 'Content-Type': 'text/markdown; charset=utf-8', 'Content-Disposition': 'attachment; filename="outcome-tracker-import-codebook.md"' }
	});
};
