import { json } from '@sveltejs/kit';
import { requireRole } from '$lib/server/auth/guard';
import { db } from '$lib/server/context';
import { planExport } from '$lib/server/export';
import { exportResponse } from '$lib/server/export/download';
import { exportSecret } from '$lib/server/export/secret';
import { readOptions } from '../options';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async (event) => {
	const user = requireRole(event, 'clinician', 'researcher', 'admin');
	const read = readOptions(event.url);
	if (!read.ok) return json({ message: read.errors.join(' ') }, { status: 400 });
	const plan = await planExport(db(), read.options);
	return exportResponse(db(), read.options, plan, exportSecret(), { id: user.id, requestId: event.locals.requestId });
};
