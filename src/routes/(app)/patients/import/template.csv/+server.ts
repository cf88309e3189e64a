import { requireRole } from '$lib/server/auth/guard';
import { importTemplate } from '$lib/import/codebook';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = (event) => {
	requireRole(event, 'clinician', 'admin');
	return new Response(importTemplate(), {
		headers: { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': 'attachment; filename="outcome-tracker-import-template.csv"' }
	});
};
