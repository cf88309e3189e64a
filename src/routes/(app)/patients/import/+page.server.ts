import { redirect } from '@sveltejs/kit';
import * as v from 'valibot';
import { FileNameSchema } from '$lib/validation/upload';
import { requireRole } from '$lib/server/auth/guard';
import { db } from '$lib/server/context';
import { invalid } from '$lib/server/form';
import { listImports, uploadImport } from '$lib/server/import';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	requireRole(event, 'clinician', 'admin');
	return { imports: await listImports(db()) };
};

export const actions: Actions = {
	/** Without JavaScript: the whole file in one form post (small files only; the page uploads in parts). */
	upload: async (event) => {
		const user = requireRole(event, 'clinician', 'admin');
		const file = (await event.request.formData()).get('file');
		if (!(file instanceof File) || file.size === 0) return invalid({}, { file: 'Choose a CSV file.' });
		const name = v.safeParse(FileNameSchema, file.name);
		if (!name.success) return invalid({}, { file: name.issues[0].message });
		const stream = file.stream() as unknown as AsyncIterable<Uint8Array>;
		const result = await uploadImport(db(), { id: user.id, requestId: event.locals.requestId }, name.output, stream);
		if (!result.ok) return invalid({}, { file: result.message });
		redirect(303, `/patients/import/${result.id}`);
	}
};
