import { error, fail, redirect } from '@sveltejs/kit';
import * as v from 'valibot';
import { requireRole } from '$lib/server/auth/guard';
import { auditHistory } from '$lib/server/audit';
import { db } from '$lib/server/context';
import { getPatient } from '$lib/server/patients';
import { getFlare, updateFlare } from '$lib/server/safety';
import { ReasonSchema } from '$lib/validation/clinical';
import { flareFromForm, groupErrors } from '$lib/validation/safety';
import type { Actions, PageServerLoad, RequestEvent } from './$types';

export const load: PageServerLoad = async (event) => {
	requireRole(event, 'clinician', 'admin');
	const patient = await getPatient(db(), event.params.id);
	const flare = await getFlare(db(), event.params.flareId);
	if (!patient || !flare || flare.patientId !== patient.id) error(404, { message: 'No such flare' });
	const history = await auditHistory(db(), [flare.id]);
	return {
		patient: { id: patient.id, clinicRef: patient.clinicRef, name: patient.name },
		flare: {
			id: flare.id,
			version: flare.version,
			voided: flare.voided,
			voidReason: flare.voidReason,
			onsetOn: flare.onsetOn,
			values: { onsetOn: flare.onsetOn, endedOn: flare.endedOn ?? '', severity: flare.severity, treatmentChanged: flare.treatmentChanged ? 'yes' : 'no', note: flare.note ?? '' },
			triggers: flare.triggers
		},
		history: history.map((h) => ({ ...h, at: h.at.toISOString() }))
	};
};

/** The signed-in clinician, once the address names a flare of that patient (else 404). */
async function actorFor(event: RequestEvent) {
	const user = requireRole(event, 'clinician', 'admin');
	const flare = await getFlare(db(), event.params.flareId);
	if (!flare || flare.patientId !== event.params.id) error(404, { message: 'No such flare' });
	return { id: user.id, requestId: event.locals.requestId };
}

export const actions: Actions = {
	update: async (event) => {
		const who = await actorFor(event);
		const data = await event.request.formData();
		const { values, triggers, parsed } = flareFromForm(data);
		const reasonValue = String(data.get('reason') ?? '');
		const reason = v.safeParse(ReasonSchema, reasonValue);
		if (!parsed.success || !reason.success) {
			const errors = { ...(parsed.success ? {} : groupErrors(parsed.issues)), ...(reason.success ? {} : { reason: reason.issues[0].message }) };
			return fail(400, { action: 'update', values, triggers, reasonValue, errors });
		}
		const result = await updateFlare(db(), who, event.params.flareId, Number(data.get('version')), parsed.output, reason.output);
		if (!result.ok) {
			const conflict = 'current' in result ? JSON.stringify(result.current) : undefined;
			return fail(conflict ? 409 : 400, { action: 'update', values, triggers, reasonValue, errors: { [result.field === 'conflict' ? 'form' : result.field]: result.message, ...(conflict ? { conflict } : {}) } });
		}
		redirect(303, `/patients/${event.params.id}/flares/${event.params.flareId}?saved=1`);
	},
	void: async (event) => {
		const who = await actorFor(event);
		const data = await event.request.formData();
		const reason = v.safeParse(ReasonSchema, data.get('reason') ?? '');
		if (!reason.success) return fail(400, { action: 'void', errors: { reason: reason.issues[0].message } });
		const result = await updateFlare(db(), who, event.params.flareId, Number(data.get('version')), { voided: true, voidReason: reason.output }, reason.output);
		if (!result.ok) return fail(result.field === 'conflict' ? 409 : 400, { action: 'void', errors: { form: result.message } });
		redirect(303, `/patients/${event.params.id}#flares`);
	}
};
