import * as v from 'valibot';
import { requireRole } from '$lib/server/auth/guard';
import { db } from '$lib/server/context';
import { invalid } from '$lib/server/form';
import { addAeCategory, listAeCategories } from '$lib/server/safety';
import { fieldErrors, formValues } from '$lib/validation/form';
import { AeCategorySchema } from '$lib/validation/safety';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	requireRole(event, 'admin');
	return { categories: await listAeCategories(db(), true) };
};

export const actions: Actions = {
	add: async (event) => {
		const admin = requireRole(event, 'admin');
		const values = formValues(await event.request.formData(), ['label']);
		const parsed = v.safeParse(AeCategorySchema, values);
		if (!parsed.success) return invalid(values, { label: fieldErrors(parsed.issues).label ?? parsed.issues[0].message });
		const result = await addAeCategory(db(), { id: admin.id, requestId: event.locals.requestId }, parsed.output);
		if (!result.ok) return invalid(values, { [result.field]: result.message });
		return { added: parsed.output.label };
	}
};
