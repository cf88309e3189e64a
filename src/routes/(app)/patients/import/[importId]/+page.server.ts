import { error, fail, redirect, type RequestEvent } from '@sveltejs/kit';
import { requireRole } from '$lib/server/auth/guard';
import { db } from '$lib/server/context';
import { commitImport, discardImport, dryRun, getImport, importIssuesPage, previewRows, saveMapping } from '$lib/server/import';
import { DATE_FORMATS, type DateFormat } from '$lib/import/fields';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	requireRole(event, 'clinician', 'admin');
	const imp = await getImport(db(), event.params.importId);
	if (!imp || imp.status === 'uploading' || !imp.headers) error(404, { message: 'No such import.' });
	const open = imp.status === 'uploaded' || imp.status === 'validated';
	return {
		imp: {
			id: imp.id,
			fileName: imp.fileName,
			byteSize: imp.byteSize,
			fileSha256: imp.fileSha256,
			encoding: imp.encoding,
			delimiter: imp.delimiter,
			headers: imp.headers,
			mapping: imp.mapping ?? imp.headers.map(() => null),
			dateFormat: imp.dateFormat,
			status: imp.status,
			summary: imp.summary,
			createdAt: imp.createdAt,
			committedAt: imp.committedAt
		},
		preview: open ? await previewRows(db(), imp) : [],
		issues: imp.status === 'validated' ? await importIssuesPage(db(), imp.id, 200) : []
	};
};

function actor(event: RequestEvent) {
	const user = requireRole(event, 'clinician', 'admin');
	return { id: user.id, requestId: event.locals.requestId };
}

export const actions: Actions = {
	map: async (event) => {
		const who = actor(event);
		const imp = await getImport(db(), event.params.importId);
		if (!imp?.headers) error(404, { message: 'No such import.' });
		const data = await event.request.formData();
		const mapping = imp.headers.map((_, i) => {
			const v = data.get(`col${i}`);
			return typeof v === 'string' && v !== '' ? v : null;
		});
		const rawFormat = String(data.get('dateFormat') ?? 'iso');
		const dateFormat = (DATE_FORMATS.some(([f]) => f === rawFormat) ? rawFormat : 'iso') as DateFormat;
		const values = { dateFormat, ...Object.fromEntries(mapping.map((m, i) => [`col${i}`, m ?? ''])) };
		const result = await saveMapping(db(), who, imp.id, mapping, dateFormat);
		if (!result.ok) return fail(400, { values, errors: result.errors });
		return { mapped: true };
	},
	/** Without JavaScript (the page streams progress from …/run instead). */
	dryRun: async (event) => {
		const result = await dryRun(db(), actor(event), event.params.importId);
		if (!result.ok) return fail(400, { errors: { form: result.message } });
		return { ran: true };
	},
	commit: async (event) => {
		const result = await commitImport(db(), actor(event), event.params.importId);
		if (!result.ok) return fail(400, { errors: { form: result.message } });
		redirect(303, `/patients/import/${event.params.importId}`);
	},
	discard: async (event) => {
		const done = await discardImport(db(), actor(event), event.params.importId);
		if (!done) return fail(400, { errors: { form: 'Only an import that has not been committed can be discarded.' } });
		redirect(303, '/patients/import');
	}
};
