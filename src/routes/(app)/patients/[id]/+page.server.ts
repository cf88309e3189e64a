import { error, fail, redirect } from '@sveltejs/kit';
import * as v from 'valibot';
import { requireRole } from '$lib/server/auth/guard';
import { auditHistory } from '$lib/server/audit';
import { db } from '$lib/server/context';
import { invalid } from '$lib/server/form';
import { getPatient, listConditions, setPatientArchived } from '$lib/server/patients';
import { patientAdverseEvents, patientFlares } from '$lib/server/safety';
import { patientVisits } from '$lib/server/visits';
import { visitForSelfReport } from '$lib/server/selfreport/start';
import { getInstrument } from '$lib/instruments';
import { currentSchedule } from '$lib/server/schedule';
import { scheduleStatus } from '$lib/schedule';
import { today } from '$lib/validation/clinical';
import { flareSinceLastVisit } from '$lib/safety/rates';
import { ReasonSchema } from '$lib/validation/clinical';
import type { FieldErrors } from '$lib/validation/form';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	requireRole(event, 'clinician', 'admin');
	const patient = await getPatient(db(), event.params.id);
	if (!patient) error(404, { message: 'No such patient' });
	const [visits, conditions, events, flares, schedule] = await Promise.all([
		patientVisits(db(), patient.id),
		listConditions(db(), true),
		patientAdverseEvents(db(), patient.id),
		patientFlares(db(), patient.id),
		currentSchedule(db(), patient.conditionCode)
	]);
	// The follow-up schedule's matrix: time points × instruments, from the live visits' responses.
	const recorded = visits.filter((v) => !v.voided).flatMap((v) => v.responses.map((r) => ({ date: v.visitDate, instrumentId: r.instrumentId })));
	const followUp = schedule ? { windowWeeks: schedule.windowWeeks, today: today(), points: scheduleStatus(schedule, patient.enrolledOn, recorded, today()) } : null;
	const ids = [patient.id, ...visits.flatMap((v) => [v.id, ...v.responses.map((r) => r.id)]), ...events.map((e) => e.id), ...flares.map((f) => f.id)];
	const liveFlares = flares.filter((f) => !f.voided);
	const flareSince = flareSinceLastVisit(visits.filter((v) => !v.voided), liveFlares);
	const condition = conditions.find((c) => c.code === patient.conditionCode);
	const history = await auditHistory(db(), ids);
	return {
		patient: {
			id: patient.id,
			clinicRef: patient.clinicRef,
			name: patient.name,
			dateOfBirth: patient.dateOfBirth,
			sex: patient.sex,
			condition: condition?.label ?? patient.conditionCode,
			enrolledOn: patient.enrolledOn,
			archived: patient.archived,
			version: patient.version
		},
		visits: visits.map((v) => ({
			id: v.id,
			visitDate: v.visitDate,
			kind: v.kind,
			acupunctureSessions: v.acupunctureSessions,
			// The old answer, where one was given; and the episodes' answer for live visits.
			flare: v.flare,
			flareEpisode: flareSince.get(v.id) ?? null,
			aeAnswer: v.aeAnswer,
			note: v.note,
			voided: v.voided,
			voidReason: v.voidReason,
			responses: v.responses.map((r) => ({ instrumentId: r.instrumentId, scores: r.scores }))
		})),
		adverseEvents: events.map((e) => ({ ...e, acknowledgedAt: e.acknowledgedAt?.toISOString() ?? null })),
		flares: flares.map((f) => ({ id: f.id, onsetOn: f.onsetOn, endedOn: f.endedOn, severity: f.severity, triggers: f.triggers, treatmentChanged: f.treatmentChanged, voided: f.voided, voidReason: f.voidReason })),
		keyOutcomes: condition?.keyOutcomes ?? [],
		followUp,
		conditionLabels: Object.fromEntries(conditions.map((c) => [c.code, c.label])),
		history: history.map((h) => ({ ...h, at: h.at.toISOString() }))
	};
};

async function archive(event: Parameters<Actions[string]>[0], archived: boolean) {
	const user = requireRole(event, 'clinician', 'admin');
	const data = await event.request.formData();
	const reason = v.safeParse(ReasonSchema, data.get('reason') ?? '');
	if (!reason.success) return invalid({}, { reason: reason.issues[0].message });
	const result = await setPatientArchived(
		db(),
		{ id: user.id, requestId: event.locals.requestId },
		event.params.id ?? '',
		Number(data.get('version')),
		archived,
		reason.output
	);
	if (!result.ok) return invalid({}, { [result.field === 'conflict' ? 'form' : result.field]: result.message });
	redirect(303, `/patients/${event.params.id}`);
}

/**
 * "Self-report" on a due time point (here and on the due list): today's visit, reused or made,
 * then its self-report page with the time point's instruments chosen. The instruments only choose
 * what the page ticks; the self-report itself checks them again.
 */
async function startSelfReport(event: Parameters<Actions[string]>[0]) {
	const user = requireRole(event, 'clinician', 'admin');
	const data = await event.request.formData();
	const weekRaw = String(data.get('week') ?? '').trim();
	const instruments = data.getAll('instruments').map(String);
	const refuse = (message: string, status = 400) => fail(status, { action: 'selfReport', patientId: event.params.id, values: { week: weekRaw }, errors: { form: message } as FieldErrors });
	if (!/^\d{1,4}$/.test(weekRaw)) return refuse('The time point is not a week of the schedule.');
	if (instruments.length === 0 || instruments.length > 20 || new Set(instruments).size !== instruments.length || !instruments.every((id) => getInstrument(id))) {
		return refuse('The time point’s instruments are not ones this clinic knows.');
	}
	const kind = Number(weekRaw) === 0 ? 'baseline' : 'follow_up';
	const started = await visitForSelfReport(db(), { id: user.id, requestId: event.locals.requestId }, event.params.id, today(), kind);
	if (!started.ok) {
		if (started.field === 'patient') error(404, { message: 'No such patient' });
		return refuse(started.message);
	}
	redirect(303, `/patients/${event.params.id}/visits/${started.visitId}/self-report?instruments=${instruments.map(encodeURIComponent).join(',')}`);
}

export const actions: Actions = {
	archive: (event) => archive(event, true),
	unarchive: (event) => archive(event, false),
	selfReport: startSelfReport
};
