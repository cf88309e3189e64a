import { json } from '@sveltejs/kit';
import { requireRole } from '$lib/server/auth/guard';
import { db } from '$lib/server/context';
import { codebook } from '$lib/server/export/codebook';
import { listConditions } from '$lib/server/patients';
import { listAeCategories } from '$lib/server/safety';
import { readOptions } from '$lib/server/export/options';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async (event) => {
	const user = requireRole(event, 'clinician', 'researcher', 'admin');
	const read = readOptions(event.url, user.role);
	if (!read.ok) return json({ message: read.errors.join(' ') }, { status: 400 });
	const [conditions, categories] = await Promise.all([listConditions(db(), true), listAeCategories(db(), true)]);
	const text = codebook(read.options, conditions, categories);
	return new Response(text, {
		headers: { 'Content-Type': 'text/markdown; charset=utf-8', 'Content-Disposition': 'attachment; filename="outcome-tracker-codebook.md"' }
	});
};
