import { error } from '@sveltejs/kit';
import { requireRole } from '$lib/server/auth/guard';
import { db } from '$lib/server/context';
import { allImportIssues, getImport } from '$lib/server/import';
import { csvLine } from '$lib/export/csv';
import type { RequestHandler } from './$types';

/** The dry run's report as CSV: line, column, status (rejected/skipped), reason. */
export const GET: RequestHandler = async (event) => {
	requireRole(event, 'clinician', 'admin');
	const imp = await getImport(db(), event.params.importId);
	if (!imp) error(404, { message: 'No such import.' });
	const encoder = new TextEncoder();
	const pages = allImportIssues(db(), imp.id);
	const stream = new ReadableStream<Uint8Array>({
		start(controller) {
			controller.enqueue(encoder.encode(csvLine(['line', 'column', 'status', 'reason'])));
		},
		async pull(controller) {
			const next = await pages.next();
			if (next.done) return controller.close();
			controller.enqueue(encoder.encode(next.value.map((i) => csvLine([i.line, i.column, i.kind === 'error' ? 'rejected' : 'skipped', i.message])).join('')));
		}
	});
	const base = imp.fileName.replace(/\.csv$/i, '').replace(/[^\w.-]+/g, '_').slice(0, 80) || 'import';
	return new Response(stream, {
		headers: { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': `attachment; filename="${base}-dry-run-report.csv"` }
	});
};
