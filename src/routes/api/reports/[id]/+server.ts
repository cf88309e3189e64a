import { json } from '@sveltejs/kit';
import { requireRole } from '$lib/server/auth/guard';
import { settings } from '$lib/server/config';
import { db, readDb } from '$lib/server/context';
import { readReport } from '$lib/server/plans/report';
import { reportVersion } from '$lib/validation/plans';
import type { RequestHandler } from './$types';

// GET /api/reports/<planId>[?version=N] → ReportJson (the newest locked version unless one is named); withheld cells as { suppressed: true }.
export const GET: RequestHandler = async (event) => {
	const user = requireRole(event, 'clinician', 'researcher', 'admin');
	const version = reportVersion(event.url);
	if (version === null) return json({ message: 'version is a whole number from 1.' }, { status: 400 });
	const read = await readReport(db(), readDb(), { id: user.id, role: user.role, requestId: event.locals.requestId }, event.params.id, { k: settings().minCell, version, via: 'api' });
	if (!read.ok) return json({ message: read.message }, { status: read.status });
	const { plan, flow, primary, secondary } = read.report;
	return json({ plan, flow, primary, secondary });
};
