import { error, fail, redirect } from '@sveltejs/kit';
import * as v from 'valibot';
import { requireRole } from '$lib/server/auth/guard';
import { auditHistory } from '$lib/server/audit';
import { db } from '$lib/server/context';
import { getPatient } from '$lib/server/patients';
import { acknowledgeAdverseEvent, getAdverseEvent, listAeCategories, updateAdverseEvent } from '$lib/server/safety';
import { getUser } from '$lib/server/users';
import { patientVisits } from '$lib/server/visits';
import { ReasonSchema } from '$lib/validation/clinical';
import { adverseEventFromForm, groupErrors } from '$lib/validation/safety';
import type { Actions, PageServerLoad, RequestEvent } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireRole(event, 'clinician', 'admin');
	const patient = await getPatient(db(), event.params.id);
	const ae = await getAdverseEvent(db(), event.params.eventId);
	if (!patient || !ae || ae.patientId !== patient.id) error(404, { message: 'No such adverse event' });
	const [categories, visits, history, acknowledger] = await Promise.all([
		listAeCategories(db(), true),
		patientVisits(db(), patient.id),
		auditHistory(db(), [ae.id]),
		ae.acknowledgedBy ? getUser(db(), ae.acknowledgedBy) : undefined
	]);
	return {
		canAcknowledge: user.role === 'admin',
		patient: { id: patient.id, clinicRef: patient.clinicRef, name: patient.name },
		// Retired categories stay choosable for the event that has one.
		categories: categories.filter((c) => c.active || c.code === ae.categoryCode),
		visits: visits.filter((x) => !x.voided || x.id === ae.visitId).map((x) => ({ id: x.id, visitDate: x.visitDate })),
		event: {
			id: ae.id,
			version: ae.version,
			voided: ae.voided,
			voidReason: ae.voidReason,
			serious: ae.serious,
			category: categories.find((c) => c.code === ae.categoryCode)?.label ?? ae.categoryCode,
			onsetOn: ae.onsetOn,
			acknowledgedAt: ae.acknowledgedAt?.toISOString() ?? null,
			acknowledgedBy: acknowledger?.name ?? null,
			values: {
				onsetOn: ae.onsetOn,
				visitId: ae.visitId ?? '',
				categoryCode: ae.categoryCode,
				categoryDetail: ae.categoryDetail ?? '',
				severity: ae.severity,
				serious: ae.serious ? 'yes' : 'no',
				relatedness: ae.relatedness,
				actionTaken: ae.actionTaken,
				outcome: ae.outcome,
				resolvedOn: ae.resolvedOn ?? '',
				note: ae.note ?? ''
			},
			criteria: ae.seriousCriteria
		},
		history: history.map((h) => ({ ...h, at: h.at.toISOString() }))
	};
};

/** The signed-in user, once the address names an event of that patient (else 404). */
async function actorFor(event: RequestEvent, ...roles: ('clinician' | 'admin')[]) {
	const user = requireRole(event, ...roles);
	const ae = await getAdverseEvent(db(), event.params.eventId);
	if (!ae || ae.patientId !== event.params.id) error(404, { message: 'No such adverse event' });
	return { id: user.id, requestId: event.locals.requestId };
}

const back = (event: RequestEvent, saved: string) => `/patients/${event.params.id}/adverse-events/${event.params.eventId}?saved=${saved}`;

export const actions: Actions = {
	update: async (event) => {
		const who = await actorFor(event, 'clinician', 'admin');
		const data = await event.request.formData();
		const { values, criteria, parsed } = adverseEventFromForm(data);
		const reasonValue = String(data.get('reason') ?? '');
		const reason = v.safeParse(ReasonSchema, reasonValue);
		if (!parsed.success || !reason.success) {
			const errors = { ...(parsed.success ? {} : groupErrors(parsed.issues)), ...(reason.success ? {} : { reason: reason.issues[0].message }) };
			return fail(400, { action: 'update', values, criteria, reasonValue, errors });
		}
		const result = await updateAdverseEvent(db(), who, event.params.eventId, Number(data.get('version')), parsed.output, reason.output);
		if (!result.ok) {
			const conflict = 'current' in result ? JSON.stringify(result.current) : undefined;
			return fail(conflict ? 409 : 400, { action: 'update', values, criteria, reasonValue, errors: { [result.field === 'conflict' ? 'form' : result.field]: result.message, ...(conflict ? { conflict } : {}) } });
		}
		redirect(303, back(event, 'updated'));
	},
	void: async (event) => {
		const who = await actorFor(event, 'clinician', 'admin');
		const data = await event.request.formData();
		const reason = v.safeParse(ReasonSchema, data.get('reason') ?? '');
		if (!reason.success) return fail(400, { action: 'void', errors: { reason: reason.issues[0].message } });
		const result = await updateAdverseEvent(db(), who, event.params.eventId, Number(data.get('version')), { voided: true, voidReason: reason.output }, reason.output);
		if (!result.ok) return fail(result.field === 'conflict' ? 409 : 400, { action: 'void', errors: { form: result.message } });
		redirect(303, back(event, 'voided'));
	},
	acknowledge: async (event) => {
		const who = await actorFor(event, 'admin');
		const result = await acknowledgeAdverseEvent(db(), { id: who.id, requestId: who.requestId }, event.params.eventId);
		if (!result.ok) return fail(400, { action: 'acknowledge', errors: { form: result.message } });
		redirect(303, back(event, 'acknowledged'));
	}
};
