import { randomUUID } from 'node:crypto';
import { error, fail, redirect } from '@sveltejs/kit';
import { requireRole } from '$lib/server/auth/guard';
import { db } from '$lib/server/context';
import { getPatient } from '$lib/server/patients';
import { listAeCategories, recordAdverseEvent } from '$lib/server/safety';
import { patientVisits } from '$lib/server/visits';
import { adverseEventFromForm, groupErrors } from '$lib/validation/safety';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	requireRole(event, 'clinician', 'admin');
	const patient = await getPatient(db(), event.params.id);
	if (!patient) error(404, { message: 'No such patient' });
	const [categories, visits] = await Promise.all([listAeCategories(db()), patientVisits(db(), patient.id)]);
	return {
		patient: { id: patient.id, clinicRef: patient.clinicRef, name: patient.name, archived: patient.archived },
		categories,
		visits: visits.filter((v) => !v.voided).map((v) => ({ id: v.id, visitDate: v.visitDate })),
		// Opened from a visit: that visit is preselected.
		visitId: event.url.searchParams.get('visit') ?? '',
		// The form's one-time key: sent twice, it records one event (recordAdverseEvent).
		submissionKey: randomUUID()
	};
};

export const actions: Actions = {
	default: async (event) => {
		const user = requireRole(event, 'clinician', 'admin');
		const data = await event.request.formData();
		const submissionKey = String(data.get('submissionKey') ?? '');
		const { values, criteria, parsed } = adverseEventFromForm(data);
		if (!parsed.success) return fail(400, { values, criteria, submissionKey, errors: groupErrors(parsed.issues) });
		const result = await recordAdverseEvent(db(), { id: user.id, requestId: event.locals.requestId }, event.params.id, parsed.output, submissionKey || null);
		if (!result.ok) {
			if (result.field === 'patient') error(404, { message: 'No such patient' });
			return fail(400, { values, criteria, submissionKey, errors: { [result.field]: result.message } });
		}
		redirect(303, `/patients/${event.params.id}/adverse-events/${result.value}?saved=1`);
	}
};
