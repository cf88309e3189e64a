import { redirect } from '@sveltejs/kit';
import * as v from 'valibot';
import { requireRole } from '$lib/server/auth/guard';
import { db } from '$lib/server/context';
import { invalid } from '$lib/server/form';
import { createPatient, listConditions } from '$lib/server/patients';
import { PATIENT_FIELDS, PatientSchema } from '$lib/validation/clinical';
import { fieldErrors, formValues } from '$lib/validation/form';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	requireRole(event, 'clinician', 'admin');
	return { conditions: (await listConditions(db())).map((c) => ({ code: c.code, label: c.label })) };
};

export const actions: Actions = {
	default: async (event) => {
		const user = requireRole(event, 'clinician', 'admin');
		const values = formValues(await event.request.formData(), PATIENT_FIELDS);
		const parsed = v.safeParse(PatientSchema, values);
		if (!parsed.success) return invalid(values, fieldErrors(parsed.issues));
		const result = await createPatient(db(), { id: user.id, requestId: event.locals.requestId }, parsed.output);
		if (!result.ok) return invalid(values, { [result.field]: result.message });
		redirect(303, `/patients/${result.value}`);
	}
};
