import { error, fail, redirect } from '@sveltejs/kit';
import * as v from 'valibot';
import { requireRole } from '$lib/server/auth/guard';
import { db } from '$lib/server/context';
import { getPatient } from '$lib/server/patients';
import { getVisit, patientVisits, restoreVisit, saveResponse, updateVisit, voidVisit } from '$lib/server/visits';
import { getInstrument } from '$lib/instruments';
import { ALERT_LABELS, acknowledgeSafetyAlert, visitSafetyAlerts } from '$lib/server/safety';
import { awaitingCount } from '$lib/server/selfreport';
import { answersFromForm, rawAnswers } from '$lib/validation/answers';
import { ReasonSchema, VISIT_FIELDS, VisitEditSchema } from '$lib/validation/clinical';
import { fieldErrors, formValues } from '$lib/validation/form';
import type { Actions, PageServerLoad, RequestEvent } from './$types';

export const load: PageServerLoad = async (event) => {
	requireRole(event, 'clinician', 'admin');
	const patient = await getPatient(db(), event.params.id);
	if (!patient) error(404, { message: 'No such patient' });
	const visit = (await patientVisits(db(), patient.id)).find((x) => x.id === event.params.visitId);
	if (!visit) error(404, { message: 'No such visit' });
	const [alerts, awaiting] = await Promise.all([visitSafetyAlerts(db(), visit.id), awaitingCount(db(), visit.id)]);
	return {
		awaiting,
		alerts: alerts.map((a) => ({
			id: a.id,
			label: ALERT_LABELS[a.kind] ?? a.kind,
			value: a.value,
			raisedAt: a.raisedAt.toISOString(),
			raisedBy: a.raisedBy,
			acknowledgedAt: a.acknowledgedAt?.toISOString() ?? null,
			acknowledgedBy: a.acknowledgedBy
		})),
		patient: { id: patient.id, clinicRef: patient.clinicRef, name: patient.name },
		visit: {
			id: visit.id,
			visitDate: visit.visitDate,
			kind: visit.kind,
			acupunctureSessions: String(visit.acupunctureSessions),
			flare: visit.flare,
			aeAnswer: visit.aeAnswer,
			note: visit.note ?? '',
			voided: visit.voided,
			voidReason: visit.voidReason,
			version: visit.version,
			responses: visit.responses.map((r) => ({ instrumentId: r.instrumentId, version: r.version, answers: r.answers, scores: r.scores, source: r.source }))
		}
	};
};

type Errors = Record<string, string>;
function failWith(action: string, errors: Errors, extra: Record<string, unknown> = {}, status = 400) {
	return fail(status, { action, errors, ...extra });
}

/** The signed-in clinician, once the address names a visit of that patient (else 404). */
async function actor(event: RequestEvent) {
	const user = requireRole(event, 'clinician', 'admin');
	const visit = await getVisit(db(), event.params.visitId);
	if (!visit || visit.patientId !== event.params.id) error(404, { message: 'No such visit' });
	return { id: user.id, requestId: event.locals.requestId };
}

export const actions: Actions = {
	update: async (event) => {
		const who = await actor(event);
		const data = await event.request.formData();
		const values = formValues(data, [...VISIT_FIELDS, 'reason', 'version']);
		const parsed = v.safeParse(VisitEditSchema, values);
		const reason = v.safeParse(ReasonSchema, values.reason);
		if (!parsed.success || !reason.success) {
			return failWith('update', { ...(parsed.success ? {} : fieldErrors(parsed.issues)), ...(reason.success ? {} : { reason: reason.issues[0].message }) }, { values });
		}
		const result = await updateVisit(db(), who, event.params.visitId, Number(values.version), parsed.output, reason.output);
		if (!result.ok) {
			const conflict = 'current' in result ? JSON.stringify(result.current) : undefined;
			return failWith('update', { [result.field === 'conflict' ? 'form' : result.field]: result.message, ...(conflict ? { conflict } : {}) }, { values, ...('existingVisitId' in result ? { existingVisitId: result.existingVisitId } : {}) }, conflict ? 409 : 400);
		}
		redirect(303, `/patients/${event.params.id}/visits/${event.params.visitId}?saved=visit`);
	},
	void: async (event) => {
		const who = await actor(event);
		const data = await event.request.formData();
		const reason = v.safeParse(ReasonSchema, data.get('reason') ?? '');
		if (!reason.success) return failWith('void', { reason: reason.issues[0].message });
		const result = await voidVisit(db(), who, event.params.visitId, Number(data.get('version')), reason.output);
		if (!result.ok) return failWith('void', { form: result.message });
		redirect(303, `/patients/${event.params.id}`);
	},
	acknowledgeAlert: async (event) => {
		const who = await actor(event);
		const data = await event.request.formData();
		const result = await acknowledgeSafetyAlert(db(), who, String(data.get('alertId') ?? ''), event.params.visitId);
		if (!result.ok) return failWith('acknowledgeAlert', { form: result.message });
		redirect(303, `/patients/${event.params.id}/visits/${event.params.visitId}?saved=alert#safety-alerts`);
	},
	restore: async (event) => {
		const who = await actor(event);
		const data = await event.request.formData();
		const reason = v.safeParse(ReasonSchema, data.get('reason') ?? '');
		if (!reason.success) return failWith('restore', { reason: reason.issues[0].message });
		const result = await restoreVisit(db(), who, event.params.visitId, Number(data.get('version')), reason.output);
		if (!result.ok) {
			const existing = 'existingVisitId' in result ? { existingVisitId: result.existingVisitId } : {};
			return failWith('restore', { form: result.message }, { reasonValue: String(data.get('reason') ?? ''), ...existing }, 'current' in result ? 409 : 400);
		}
		redirect(303, `/patients/${event.params.id}/visits/${event.params.visitId}?saved=restored`);
	},
	response: async (event) => {
		const who = await actor(event);
		const data = await event.request.formData();
		const instrumentId = String(data.get('instrumentId') ?? '');
		const editing = data.get('version') !== null && data.get('version') !== '';
		const answers = rawAnswers(data);
		const [input] = answersFromForm(data, [instrumentId], (id) => getInstrument(id)?.items.map((i) => i.key));
		let edit: { expectedVersion: number; reason: string } | null = null;
		if (editing) {
			const reason = v.safeParse(ReasonSchema, data.get('reason') ?? '');
			if (!reason.success) return failWith(`response:${instrumentId}`, { reason: reason.issues[0].message }, { answers, reasonValue: '' });
			edit = { expectedVersion: Number(data.get('version')), reason: reason.output };
		}
		const result = await saveResponse(db(), who, event.params.visitId, input!, edit);
		if (!result.ok) {
			const instrumentErrors = 'instrumentErrors' in result ? result.instrumentErrors : {};
			const conflict = 'current' in result ? JSON.stringify(result.current) : undefined;
			return failWith(
				`response:${instrumentId}`,
				{ form: result.message, ...(conflict ? { conflict } : {}) },
				{ answers, instrumentErrors, reasonValue: String(data.get('reason') ?? '') },
				conflict ? 409 : 400
			);
		}
		redirect(303, `/patients/${event.params.id}/visits/${event.params.visitId}?saved=${instrumentId}`);
	}
};
