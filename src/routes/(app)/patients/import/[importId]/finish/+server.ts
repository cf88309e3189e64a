import { isUuid } from '$lib/validation/ids';
import { json } from '@sveltejs/kit';
import { requireRole } from '$lib/server/auth/guard';
import { db } from '$lib/server/context';
import { finishUpload } from '$lib/server/import';
import type { RequestHandler } from './$types';

/** Ends an upload: hashes the file, refuses a file already imported, proposes the mapping. */
export const POST: RequestHandler = async (event) => {
	const user = requireRole(event, 'clinician', 'admin');
	if (!isUuid(event.params.importId)) return json({ message: 'No such import.' }, { status: 404 });
	const result = await finishUpload(db(), { id: user.id, requestId: event.locals.requestId }, event.params.importId);
	return result.ok ? json(result) : json(result, { status: 409 });
};
