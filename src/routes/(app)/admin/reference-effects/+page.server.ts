import { fail } from '@sveltejs/kit';
import * as v from 'valibot';
import { requireRole } from '$lib/server/auth/guard';
import { db } from '$lib/server/context';
import { listConditions } from '$lib/server/patients';
import { addReferenceEffect, listReferenceEffects, withdrawReferenceEffect } from '$lib/server/plans/reference-effects';
import { fieldErrors } from '$lib/validation/form';
import { ReasonSchema, outcomeOptions } from '$lib/validation/plans';
import { referenceEffectFromForm } from '$lib/validation/reference-effects';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	requireRole(event, 'admin');
	const [effects, conditions] = await Promise.all([listReferenceEffects(db(), true), listConditions(db())]);
	return { effects, conditions: conditions.map((c) => ({ code: c.code, label: c.label })), outcomes: outcomeOptions() };
};

export const actions: Actions = {
	add: async (event) => {
		const admin = requireRole(event, 'admin');
		const { values, parsed } = referenceEffectFromForm(await event.request.formData());
		if (!parsed.success) return fail(400, { values, errors: fieldErrors(parsed.issues) });
		const result = await addReferenceEffect(db(), { id: admin.id, requestId: event.locals.requestId }, parsed.output);
		if (!result.ok) return fail(400, { values, errors: { [result.field]: result.message } });
		return { added: parsed.output.citation };
	},
	withdraw: async (event) => {
		const admin = requireRole(event, 'admin');
		const data = await event.request.formData();
		const id = String(data.get('id') ?? '');
		const reason = v.safeParse(ReasonSchema, String(data.get('reason') ?? '').replaceAll('\0', ''));
		if (!reason.success) return fail(400, { withdrawId: id, withdrawError: 'Say why it is withdrawn.' });
		const done = await withdrawReferenceEffect(db(), { id: admin.id, requestId: event.locals.requestId }, id, reason.output);
		if (!done) return fail(404, { withdrawId: id, withdrawError: 'No such published effect, or it is already withdrawn.' });
		return { withdrawn: true };
	}
};
