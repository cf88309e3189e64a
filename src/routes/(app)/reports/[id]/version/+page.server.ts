import { error, fail, redirect } from '@sveltejs/kit';
import * as v from 'valibot';
import { requireRole } from '$lib/server/auth/guard';
import { db } from '$lib/server/context';
import { getPlanVersion, supersedePlan } from '$lib/server/plans';
import { planFormData } from '$lib/server/plans/form';
import { planContext } from '$lib/server/plans/request';
import { formErrors, planFromForm, ReasonSchema, valuesFromPlan } from '$lib/validation/plans';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireRole(event, 'researcher', 'admin');
	const live = await getPlanVersion(db(), event.params.id);
	if (!live) error(404, { message: 'No such analysis plan' });
	// A draft is edited, not superseded.
	if (live.status === 'draft') redirect(303, `/reports/${event.params.id}/edit`);
	return { planId: event.params.id, version: live.version, values: valuesFromPlan(live.body), ...(await planFormData(db(), user.role)) };
};

export const actions: Actions = {
	default: async (event) => {
		const user = requireRole(event, 'researcher', 'admin');
		const data = await event.request.formData();
		const { values, parsed } = planFromForm(data, await planContext(db(), user.role));
		const reasonText = typeof data.get('reason') === 'string' ? String(data.get('reason')).replaceAll('\0', '') : '';
		const reason = v.safeParse(ReasonSchema, reasonText);
		const errors = { ...(parsed.ok ? {} : formErrors(parsed.errors)), ...(reason.success ? {} : { reason: reason.issues[0].message }) };
		if (!parsed.ok || !reason.success) return fail(400, { values, reason: reasonText, errors });
		const made = await supersedePlan(db(), { id: user.id, requestId: event.locals.requestId }, event.params.id, parsed.plan, reason.output);
		if (!made.ok) {
			if (made.status === 404) error(404, { message: 'No such analysis plan' });
			return fail(409, { values, reason: reasonText, errors: { form: made.message } });
		}
		redirect(303, `/reports/${event.params.id}?saved=1`);
	}
};
