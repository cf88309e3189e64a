import { isUuid } from '$lib/validation/ids';
import { error, redirect } from '@sveltejs/kit';
import * as v from 'valibot';
import { requireRole } from '$lib/server/auth/guard';
import { db } from '$lib/server/context';
import { invalid } from '$lib/server/form';
import { getPatient, listConditions, updatePatient } from '$lib/server/patients';
import { PATIENT_FIELDS, PatientSchema, ReasonSchema } from '$lib/validation/clinical';
import { fieldErrors, formValues } from '$lib/validation/form';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	requireRole(event, 'clinician', 'admin');
	const patient = await getPatient(db(), event.params.id);
	if (!patient) error(404, { message: 'No such patient' });
	const { clinicRef, name, dateOfBirth, sex, conditionCode, enrolledOn, version } = patient;
	return {
		patient: { id: patient.id, clinicRef, name, dateOfBirth, sex, conditionCode, enrolledOn, version },
		conditions: (await listConditions(db())).map((c) => ({ code: c.code, label: c.label }))
	};
};

export const actions: Actions = {
	default: async (event) => {
		const user = requireRole(event, 'clinician', 'admin');
		if (!isUuid(event.params.id)) error(404, { message: 'No such patient' });
		const data = await event.request.formData();
		const values = formValues(data, [...PATIENT_FIELDS, 'reason', 'version']);
		const parsed = v.safeParse(PatientSchema, values);
		const reason = v.safeParse(ReasonSchema, values.reason);
		if (!parsed.success || !reason.success) {
			return invalid(values, {
				...(parsed.success ? {} : fieldErrors(parsed.issues)),
				...(reason.success ? {} : { reason: reason.issues[0].message })
			});
		}
		const result = await updatePatient(
			db(),
			{ id: user.id, requestId: event.locals.requestId },
			event.params.id,
			Number(values.version),
			parsed.output,
			reason.output
		);
		if (!result.ok) {
			if (result.field === 'conflict' && 'current' in result) {
				return invalid(values, { form: result.message, conflict: JSON.stringify(result.current) }, 409);
			}
			return invalid(values, { [result.field]: result.message });
		}
		redirect(303, `/patients/${event.params.id}`);
	}
};
