import { error, fail, redirect } from '@sveltejs/kit';
import { requireRole } from '$lib/server/auth/guard';
import { db } from '$lib/server/context';
import { getPlanVersion, updateDraft } from '$lib/server/plans';
import { planFormData } from '$lib/server/plans/form';
import { planContext } from '$lib/server/plans/request';
import { formErrors, planFromForm, valuesFromPlan } from '$lib/validation/plans';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireRole(event, 'researcher', 'admin');
	const live = await getPlanVersion(db(), event.params.id);
	if (!live) error(404, { message: 'No such analysis plan' });
	// A locked plan is not edited: it takes a new version.
	if (live.status !== 'draft') redirect(303, `/reports/${event.params.id}/version`);
	return { planId: event.params.id, version: live.version, values: valuesFromPlan(live.body), ...(await planFormData(db(), user.role)) };
};

export const actions: Actions = {
	default: async (event) => {
		const user = requireRole(event, 'researcher', 'admin');
		const { values, parsed } = planFromForm(await event.request.formData(), await planContext(db(), user.role));
		if (!parsed.ok) return fail(400, { values, errors: formErrors(parsed.errors) });
		const done = await updateDraft(db(), { id: user.id, requestId: event.locals.requestId }, event.params.id, parsed.plan);
		if (!done.ok) {
			if (done.status === 404) error(404, { message: 'No such analysis plan' });
			return fail(409, { values, errors: { form: done.message } });
		}
		redirect(303, `/reports/${event.params.id}?saved=1`);
	}
};
