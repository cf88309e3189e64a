import { json } from '@sveltejs/kit';
import * as v from 'valibot';
import { FileNameSchema } from '$lib/validation/upload';
import { requireRole } from '$lib/server/auth/guard';
import { db } from '$lib/server/context';
import { beginUpload, MAX_FILE_BYTES, PART_BYTES } from '$lib/server/import';
import type { RequestHandler } from './$types';

/** Starts an upload: `{ fileName, size }` → `{ id, partBytes }`; the parts follow with PUT …/part?seq=n. */
export const POST: RequestHandler = async (event) => {
	const user = requireRole(event, 'clinician', 'admin');
	const body = (await event.request.json().catch(() => null)) as { fileName?: unknown; size?: unknown } | null;
	const fileName = v.safeParse(FileNameSchema, typeof body?.fileName === 'string' ? body.fileName : '');
	const size = typeof body?.size === 'number' ? body.size : NaN;
	if (!fileName.success) return json({ message: fileName.issues[0].message }, { status: 400 });
	if (!Number.isFinite(size) || size <= 0) return json({ message: 'The file is empty.' }, { status: 400 });
	if (size > MAX_FILE_BYTES) return json({ message: `The file is larger than ${MAX_FILE_BYTES / 1024 / 1024} MB; split it into parts.` }, { status: 413 });
	const id = await beginUpload(db(), { id: user.id, requestId: event.locals.requestId }, fileName.output);
	return json({ id, partBytes: PART_BYTES });
};
