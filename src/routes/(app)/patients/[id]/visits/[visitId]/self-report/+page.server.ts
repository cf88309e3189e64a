import { error, fail, redirect } from '@sveltejs/kit';
import * as v from 'valibot';
import { renderSVG } from 'uqr';
import { requireRole } from '$lib/server/auth/guard';
import { db } from '$lib/server/context';
import { getPatient } from '$lib/server/patients';
import { getVisit } from '$lib/server/visits';
import {
	acceptSelfReport,
	awaitingReview,
	createSelfReport,
	DEFAULT_LINK_HOURS,
	discardSelfReport,
	revokeSelfReport,
	selfReportChoices,
	selfReportVisit,
	setKiosk,
	visitSelfReports
} from '$lib/server/selfreport';
import { getInstrument } from '$lib/instruments';
import { answersFromForm, rawAnswers } from '$lib/validation/answers';
import { ReasonSchema } from '$lib/validation/clinical';
import { isUuid } from '$lib/validation/ids';
import type { Actions, PageServerLoad, RequestEvent } from './$types';

/** The visit of the address, when it belongs to the patient of the address (else 404). */
async function visitOf(event: Pick<RequestEvent, 'params'>) {
	const visit = await getVisit(db(), event.params.visitId);
	if (!visit || visit.patientId !== event.params.id) error(404, { message: 'No such visit' });
	return visit;
}

export const load: PageServerLoad = async (event) => {
	requireRole(event, 'clinician', 'admin');
	const visit = await visitOf(event);
	const patient = await getPatient(db(), visit.patientId);
	const [links, awaiting] = await Promise.all([visitSelfReports(db(), visit.id), awaitingReview(db(), visit.id)]);
	const groups = [...new Set(awaiting.map((a) => a.linkId))].map((linkId) => {
		const forms = awaiting.filter((a) => a.linkId === linkId);
		return { linkId, mode: forms[0]!.mode, submittedAt: forms[0]!.submittedAt.toISOString().slice(0, 16).replace('T', ' '), forms: forms.map((f) => ({ instrumentId: f.instrumentId, answers: f.answers, scores: f.scores })) };
	});
	// ?instruments=a,b (from "Self-report" on a due time point): those that can be offered are ticked,
	// the others named with the reason, to be entered by the clinician.
	const choices = selfReportChoices();
	const asked = [...new Set((event.url.searchParams.get('instruments') ?? '').split(','))].flatMap((id) => choices.filter((c) => c.id === id)).slice(0, 20);
	return {
		patient: { id: patient!.id, clinicRef: patient!.clinicRef, name: patient!.name },
		visit: { id: visit.id, visitDate: visit.visitDate, voided: visit.voided },
		choices,
		due: { ticked: asked.filter((c) => c.problem === null).map((c) => c.id), cannot: asked.filter((c) => c.problem !== null).map((c) => ({ name: c.name, problem: c.problem! })) },
		defaultHours: DEFAULT_LINK_HOURS,
		links: links.map((l) => ({ id: l.id, mode: l.mode, instruments: l.instruments, state: l.state, expiresAt: l.expiresAt.toISOString().slice(0, 16).replace('T', ' ') + ' UTC' })),
		awaiting: groups
	};
};

function chosen(data: FormData): string[] {
	return data.getAll('instruments').map(String).filter((x) => x !== '');
}

async function clinician(event: RequestEvent) {
	const user = requireRole(event, 'clinician', 'admin');
	await visitOf(event);
	return { id: user.id, requestId: event.locals.requestId };
}

/** The self-report named by the form, when it is of this visit. */
async function linkOf(event: RequestEvent, data: FormData): Promise<string | null> {
	const id = String(data.get('linkId') ?? '');
	const where = isUuid(id) ? await selfReportVisit(db(), id) : undefined;
	return where && where.visitId === event.params.visitId ? id : null;
}

export const actions: Actions = {
	link: async (event) => {
		const who = await clinician(event);
		const data = await event.request.formData();
		const hoursRaw = String(data.get('hours') ?? '').trim();
		const hours = hoursRaw === '' ? DEFAULT_LINK_HOURS : /^\d{1,4}$/.test(hoursRaw) ? Number(hoursRaw) : Number.NaN;
		const instruments = chosen(data);
		const made = await createSelfReport(db(), who, event.params.visitId, 'link', instruments, hours);
		if (!made.ok) return fail(made.status, { action: 'link', errors: { [made.field === 'visit' ? 'form' : made.field]: made.message }, values: { hours: hoursRaw, instruments } });
		const url = `${event.url.origin}/r/${made.token}`;
		return { action: 'link', created: { url, qrSvg: renderSVG(url, { ecc: 'M', border: 2 }), expiresAt: made.expiresAt.toISOString().slice(0, 16).replace('T', ' ') + ' UTC' } };
	},
	tablet: async (event) => {
		const who = await clinician(event);
		const session = event.locals.session;
		if (!session) error(403, { message: 'Patient mode needs a signed-in browser session' });
		const data = await event.request.formData();
		const instruments = chosen(data);
		const made = await createSelfReport(db(), who, event.params.visitId, 'tablet', instruments);
		if (!made.ok) return fail(made.status, { action: 'tablet', errors: { [made.field === 'visit' ? 'form' : made.field]: made.message }, values: { instruments } });
		await setKiosk(db(), session.id, made.id);
		redirect(303, '/kiosk');
	},
	revoke: async (event) => {
		const who = await clinician(event);
		const data = await event.request.formData();
		const id = await linkOf(event, data);
		if (!id) return fail(404, { action: 'revoke', errors: { form: 'No such self-report at this visit.' } });
		const result = await revokeSelfReport(db(), who, id);
		if (result === 'used') return fail(400, { action: 'revoke', errors: { form: 'Already answered: it cannot be revoked. Discard the answers instead, with a reason.' } });
		redirect(303, `/patients/${event.params.id}/visits/${event.params.visitId}/self-report?revoked=1`);
	},
	accept: async (event) => {
		const who = await clinician(event);
		const data = await event.request.formData();
		const id = await linkOf(event, data);
		if (!id) return fail(404, { action: 'accept', errors: { form: 'No such self-report at this visit.' } });
		const instruments = data.getAll('instrumentId').map(String);
		const reasonRaw = String(data.get('reason') ?? '').trim();
		const reason = reasonRaw === '' ? null : v.safeParse(ReasonSchema, reasonRaw);
		const echo = { linkId: id, answers: rawAnswers(data), reason: reasonRaw };
		if (reason && !reason.success) return fail(400, { action: 'accept', ...echo, errors: { reason: reason.issues[0].message } });
		const reviewed = answersFromForm(data, instruments, (i) => getInstrument(i)?.items.map((x) => x.key));
		const result = await acceptSelfReport(db(), who, id, reviewed, reason ? reason.output : null);
		if (!result.ok) {
			return fail(400, { action: 'accept', ...echo, errors: { [result.field === 'instruments' ? 'form' : result.field]: result.message }, instrumentErrors: 'instrumentErrors' in result ? result.instrumentErrors : {} });
		}
		redirect(303, `/patients/${event.params.id}/visits/${event.params.visitId}?saved=self-report`);
	},
	discard: async (event) => {
		const who = await clinician(event);
		const data = await event.request.formData();
		const id = await linkOf(event, data);
		if (!id) return fail(404, { action: 'discard', errors: { form: 'No such self-report at this visit.' } });
		const reason = v.safeParse(ReasonSchema, String(data.get('reason') ?? ''));
		if (!reason.success) return fail(400, { action: 'discard', linkId: id, errors: { reason: reason.issues[0].message } });
		const result = await discardSelfReport(db(), who, id, reason.output);
		if (!result.ok) return fail(400, { action: 'discard', linkId: id, errors: { form: result.message } });
		redirect(303, `/patients/${event.params.id}/visits/${event.params.visitId}/self-report?discarded=1`);
	}
};
