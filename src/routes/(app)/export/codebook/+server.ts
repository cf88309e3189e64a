import { json } from '@sveltejs/kit';
import { requireRole } from '$lib/server/auth/guard';
import { db } from '$lib/server/context';
import { codebook } from '$lib/server/export/codebook';
import { listConditions } from '$lib/server/patients';
import { readOptions } from '$lib/server/export/options';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async (event) => {
	const user = requireRole(event, 'clinician', 'researcher', 'admin');
	const read = readOptions(event.url, user.role);
	if (!read.ok) return json({ message: read.errors.join(' ') }, { status: 400 });
	const text = codebook(read.options, await listConditions(db(), true));
	return new Response(text, {
		headers: { 'Content-Type': 'text/markdown; charset=utf-8', 'Content-Disposition': 'attachment; filename="outcome-tracker-codebook.md"' }
	});
};
