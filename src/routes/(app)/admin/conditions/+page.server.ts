import * as v from 'valibot';
import { requireRole } from '$lib/server/auth/guard';
import { db } from '$lib/server/context';
import { invalid } from '$lib/server/form';
import { addCondition, listConditions } from '$lib/server/patients';
import { setKeyOutcomes } from '$lib/server/patients/key-outcomes';
import { fail } from '@sveltejs/kit';
import { ConditionSchema } from '$lib/validation/clinical';
import { fieldErrors, formValues } from '$lib/validation/form';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	requireRole(event, 'admin');
	return { conditions: await listConditions(db(), true) };
};

export const actions: Actions = {
	add: async (event) => {
		const admin = requireRole(event, 'admin');
		const values = formValues(await event.request.formData(), ['label']);
		const parsed = v.safeParse(ConditionSchema, values);
		if (!parsed.success) return invalid(values, { label: fieldErrors(parsed.issues).label ?? parsed.issues[0].message });
		const result = await addCondition(db(), { id: admin.id, requestId: event.locals.requestId }, parsed.output);
		if (!result.ok) return invalid(values, { [result.field]: result.message });
		return { added: parsed.output.label };
	},
	keyOutcomes: async (event) => {
		const admin = requireRole(event, 'admin');
		const data = await event.request.formData();
		const code = String(data.get('code') ?? '');
		const outcomes = data.getAll('outcome').map(String);
		const conditions = await listConditions(db(), true);
		const condition = conditions.find((c) => c.code === code);
		if (!condition) return fail(400, { code, outcomeError: 'No such condition.' });
		const result = await setKeyOutcomes(db(), { id: admin.id, requestId: event.locals.requestId }, code, outcomes);
		if (!result.ok) return fail(400, { code, outcomeError: result.message });
		return { savedOutcomes: condition.label };
	}
};
