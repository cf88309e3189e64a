import { error, fail, redirect } from '@sveltejs/kit';
import * as v from 'valibot';
import { requireRole } from '$lib/server/auth/guard';
import { db } from '$lib/server/context';
import { getPatient } from '$lib/server/patients';
import { recordVisit } from '$lib/server/visits';
import { getInstrument } from '$lib/instruments';
import { answersFromForm, rawAnswers } from '$lib/validation/answers';
import { VISIT_FIELDS, VisitSchema } from '$lib/validation/clinical';
import { fieldErrors, formValues } from '$lib/validation/form';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	requireRole(event, 'clinician', 'admin');
	const patient = await getPatient(db(), event.params.id);
	if (!patient) error(404, { message: 'No such patient' });
	// ?instruments=a,b (from the due list) opens the form with those instruments; unknown ids are dropped.
	const asked = (event.url.searchParams.get('instruments') ?? '').split(',').filter((id) => getInstrument(id) !== undefined);
	const kind = event.url.searchParams.get('kind');
	return {
		patient: { id: patient.id, clinicRef: patient.clinicRef, name: patient.name, archived: patient.archived, enrolledOn: patient.enrolledOn },
		prefill: { instruments: [...new Set(asked)].slice(0, 20), kind: kind === 'baseline' || kind === 'follow_up' ? kind : null }
	};
};

export const actions: Actions = {
	default: async (event) => {
		const user = requireRole(event, 'clinician', 'admin');
		const data = await event.request.formData();
		const values = formValues(data, VISIT_FIELDS);
		const instruments = data.getAll('instrument').filter((x): x is string => typeof x === 'string');
		const echo = { values, answers: rawAnswers(data), instruments };
		const parsed = v.safeParse(VisitSchema, values);
		const responses = answersFromForm(data, instruments, (id) => getInstrument(id)?.items.map((i) => i.key));
		if (!parsed.success) return fail400(echo, fieldErrors(parsed.issues));
		// recordVisit checks the patient (exists, not archived) under its lock, in the same round trip as the save.
		const result = await recordVisit(db(), { id: user.id, requestId: event.locals.requestId }, event.params.id, parsed.output, responses);
		if (!result.ok) {
			if (result.field === 'patient') error(404, { message: 'No such patient' });
			if (result.field === 'instruments' && 'instrumentErrors' in result) {
				return fail400(echo, { form: result.message }, result.instrumentErrors);
			}
			if ('existingVisitId' in result) return fail(400, { ...echo, errors: { visitDate: result.message }, instrumentErrors: {}, existingVisitId: result.existingVisitId });
			return fail400(echo, { [result.field]: result.message });
		}
		redirect(303, `/patients/${event.params.id}`);
	}
};

function fail400(
	echo: { values: Record<string, string>; answers: Record<string, string>; instruments: string[] },
	errors: Record<string, string>,
	instrumentErrors: Record<string, { item?: string; message: string }[]> = {}
) {
	return fail(400, { ...echo, errors, instrumentErrors });
}
