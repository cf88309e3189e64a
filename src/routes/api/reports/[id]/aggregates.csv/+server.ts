import { json } from '@sveltejs/kit';
import { requireRole } from '$lib/server/auth/guard';
import { settings } from '$lib/server/config';
import { db, readDb } from '$lib/server/context';
import { readReport } from '$lib/server/plans/report';
import { reportCsv } from '$lib/reports/csv';
import { reportVersion } from '$lib/validation/plans';
import type { RequestHandler } from './$types';

// GET /api/reports/<planId>/aggregates.csv[?version=N]: the report's aggregates (never a patient's row), withheld cells empty.
export const GET: RequestHandler = async (event) => {
	const user = requireRole(event, 'clinician', 'researcher', 'admin');
	const version = reportVersion(event.url);
	if (version === null) return json({ message: 'version is a whole number from 1.' }, { status: 400 });
	const read = await readReport(db(), readDb(), { id: user.id, role: user.role, requestId: event.locals.requestId }, event.params.id, { k: settings().minCell, version, via: 'csv' });
	if (!read.ok) return json({ message: read.message }, { status: read.status });
	return new Response(reportCsv(read.report, read.plan.primary_population), {
		headers: {
			'content-type': 'text/csv; charset=utf-8',
			'content-disposition': `attachment; filename="report-${read.version.planId}-v${read.version.version}.csv"`
		}
	});
};
