import { redirect } from '@sveltejs/kit';
import { requireRole } from '$lib/server/auth/guard';
import { db } from '$lib/server/context';
import { createPlan } from '$lib/server/plans';
import { planFormData } from '$lib/server/plans/form';
import { planContext } from '$lib/server/plans/request';
import { formErrors, planFromForm } from '$lib/validation/plans';
import { fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireRole(event, 'researcher', 'admin');
	return planFormData(db(), user.role);
};

export const actions: Actions = {
	default: async (event) => {
		const user = requireRole(event, 'researcher', 'admin');
		const { values, parsed } = planFromForm(await event.request.formData(), await planContext(db(), user.role));
		if (!parsed.ok) return fail(400, { values, errors: formErrors(parsed.errors) });
		const { id } = await createPlan(db(), { id: user.id, requestId: event.locals.requestId }, parsed.plan);
		redirect(303, `/reports/${id}?saved=1`);
	}
};
