import { error, fail, redirect } from '@sveltejs/kit';
import { requireRole } from '$lib/server/auth/guard';
import { db } from '$lib/server/context';
import { getPatient } from '$lib/server/patients';
import { recordFlare } from '$lib/server/safety';
import { flareFromForm, groupErrors } from '$lib/validation/safety';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	requireRole(event, 'clinician', 'admin');
	const patient = await getPatient(db(), event.params.id);
	if (!patient) error(404, { message: 'No such patient' });
	return { patient: { id: patient.id, clinicRef: patient.clinicRef, name: patient.name } };
};

export const actions: Actions = {
	default: async (event) => {
		const user = requireRole(event, 'clinician', 'admin');
		const { values, triggers, parsed } = flareFromForm(await event.request.formData());
		if (!parsed.success) return fail(400, { values, triggers, errors: groupErrors(parsed.issues) });
		const result = await recordFlare(db(), { id: user.id, requestId: event.locals.requestId }, event.params.id, parsed.output);
		if (!result.ok) {
			if (result.field === 'patient') error(404, { message: 'No such patient' });
			return fail(400, { values, triggers, errors: { [result.field]: result.message } });
		}
		redirect(303, `/patients/${event.params.id}#flares`);
	}
};
