import { isUuid } from '$lib/validation/ids';
import { json } from '@sveltejs/kit';
import { requireRole } from '$lib/server/auth/guard';
import { db } from '$lib/server/context';
import { appendUpload, PART_BYTES } from '$lib/server/import';
import type { RequestHandler } from './$types';

/** One part of the file as the raw request body. */
export const PUT: RequestHandler = async (event) => {
	const user = requireRole(event, 'clinician', 'admin');
	if (!isUuid(event.params.importId)) return json({ message: 'No such import.' }, { status: 404 });
	const seq = Number(event.url.searchParams.get('seq'));
	const length = Number(event.request.headers.get('content-length') ?? NaN);
	if (length > PART_BYTES) return json({ message: `A part must hold at most ${PART_BYTES} bytes.` }, { status: 413 });
	const data = new Uint8Array(await event.request.arrayBuffer());
	const result = await appendUpload(db(), { id: user.id, requestId: event.locals.requestId }, event.params.importId, seq, data);
	return result.ok ? json({ ok: true }) : json({ message: result.message }, { status: 400 });
};
