/**
 * A clinician's review of what a patient submitted: the answers with the scores the engine
 * computes from them, corrected where needed (with a reason), then accepted — stored as ordinary
 * responses whose `source` says the patient gave them, in one transaction with the audit rows
 * (the patient's answers, any correction with its reason, the acceptance) — or discarded with a reason.
 */
import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import type { Db } from '../db';
import { selfReportAnswers, selfReportLinks, visits, type ResponseSource } from '../db/schema';
import { appendAuditMany, type AuditEntry } from '../audit';
import { isUniqueViolation } from '../errors';
import { scoreResponse } from '../../instruments';
import { insertPatientResponses, scoreAll, type Answers, type ItemError, type ResponseInput } from '../visits';
import type { Actor } from '../users';

export interface AwaitingForm {
	linkId: string;
	mode: 'tablet' | 'link';
	instrumentId: string;
	answers: Answers;
	scores: Record<string, number | null>;
	submittedAt: Date;
}

/** The visit's submitted forms that no clinician has accepted or discarded yet, with their scores. */
export async function awaitingReview(db: Db, visitId: string): Promise<AwaitingForm[]> {
	const rows = await db
		.select({ linkId: selfReportAnswers.linkId, mode: selfReportLinks.mode, instrumentId: selfReportAnswers.instrumentId, answers: selfReportAnswers.answers, submittedAt: selfReportAnswers.submittedAt })
		.from(selfReportAnswers)
		.innerJoin(selfReportLinks, eq(selfReportLinks.id, selfReportAnswers.linkId))
		.where(and(eq(selfReportLinks.visitId, visitId), isNull(selfReportAnswers.acceptedAt), isNull(selfReportAnswers.discardedAt)))
		.orderBy(asc(selfReportAnswers.submittedAt), asc(selfReportAnswers.linkId), asc(selfReportAnswers.instrumentId));
	return rows.map((r) => {
		const result = scoreResponse(r.instrumentId, r.answers as Answers);
		return { ...r, answers: r.answers as Answers, scores: result.ok ? result.scores : {} };
	});
}

export type ReviewResult =
	| { ok: true }
	| { ok: false; field: 'form' | 'reason'; message: string }
	| { ok: false; field: 'instruments'; message: string; instrumentErrors: Record<string, ItemError[]> };

const sameAnswers = (a: Answers, b: Answers) => Object.keys({ ...a, ...b }).every((k) => (a[k] ?? null) === (b[k] ?? null));

/** Locks a self-report's forms awaiting review, with its visit. */
async function pendingForms(tx: Db, linkId: string) {
	const [link] = await tx
		.select({ id: selfReportLinks.id, mode: selfReportLinks.mode, visitId: visits.id, patientId: visits.patientId, voided: visits.voided })
		.from(selfReportLinks)
		.innerJoin(visits, eq(visits.id, selfReportLinks.visitId))
		.where(eq(selfReportLinks.id, linkId));
	if (!link) return null;
	const forms = await tx
		.select()
		.from(selfReportAnswers)
		.where(and(eq(selfReportAnswers.linkId, linkId), isNull(selfReportAnswers.acceptedAt), isNull(selfReportAnswers.discardedAt)))
		.orderBy(asc(selfReportAnswers.instrumentId))
		.for('update');
	return { link, forms };
}

/**
 * Accepts a self-report's forms, with the clinician's answers (`reviewed`: the submitted ones, or
 * corrected). A correction needs `reason`; bad answers store nothing.
 */
export async function acceptSelfReport(db: Db, actor: Actor & { id: string }, linkId: string, reviewed: ResponseInput[], reason: string | null): Promise<ReviewResult> {
	const { scored, errors } = scoreAll(reviewed);
	if (Object.keys(errors).length > 0) return { ok: false, field: 'instruments', message: 'Some answers need correcting; nothing was saved.', instrumentErrors: errors };
	try {
		return await db.transaction(async (tx): Promise<ReviewResult> => {
			const pending = await pendingForms(tx, linkId);
			if (!pending || pending.forms.length === 0) return { ok: false, field: 'form', message: 'Nothing from this self-report is awaiting review.' };
			const { link, forms } = pending;
			if (link.voided) return { ok: false, field: 'form', message: 'This visit is voided; it cannot take answers.' };
			const byId = new Map(scored.map((s) => [s.instrumentId, s]));
			const list = forms.map((f) => byId.get(f.instrumentId));
			if (list.some((s) => !s) || scored.length !== forms.length) return { ok: false, field: 'form', message: 'The forms sent do not match those awaiting review.' };
			const final = list as NonNullable<(typeof list)[number]>[];
			const corrected = forms.filter((f, i) => !sameAnswers(f.answers as Answers, final[i]!.answers));
			if (corrected.length > 0 && !reason) return { ok: false, field: 'reason', message: 'Give a reason for the corrected answers.' };
			const source: ResponseSource = link.mode === 'tablet' ? 'patient_tablet' : 'patient_link';
			const { ids, audit } = await insertPatientResponses(tx, actor, link.visitId, link.patientId, final, source);
			const now = new Date();
			for (const [i, f] of forms.entries()) {
				await tx
					.update(selfReportAnswers)
					.set({ acceptedAt: now, acceptedBy: actor.id, responseId: ids[i]! })
					.where(and(eq(selfReportAnswers.linkId, linkId), eq(selfReportAnswers.instrumentId, f.instrumentId)));
			}
			const rows: AuditEntry[] = [
				...audit,
				...corrected.map((f) => ({
					actorId: actor.id,
					action: 'correct',
					entity: 'response',
					entityId: ids[forms.indexOf(f)]!,
					before: { instrumentId: f.instrumentId, answers: f.answers, source },
					after: { instrumentId: f.instrumentId, answers: byId.get(f.instrumentId)!.answers, source },
					reason,
					requestId: actor.requestId
				})),
				{ actorId: actor.id, action: 'accept', entity: 'self_report', entityId: linkId, after: { visitId: link.visitId, source, responses: ids, corrected: corrected.map((f) => f.instrumentId) }, reason: corrected.length > 0 ? reason : null, requestId: actor.requestId }
			];
			await appendAuditMany(tx, rows);
			return { ok: true };
		});
	} catch (err) {
		if (isUniqueViolation(err)) return { ok: false, field: 'form', message: 'This visit already has answers for one of these forms; nothing was saved.' };
		throw err;
	}
}

/** Discards a self-report's forms awaiting review (kept, with the reason, never deleted). */
export async function discardSelfReport(db: Db, actor: Actor & { id: string }, linkId: string, reason: string): Promise<ReviewResult> {
	return db.transaction(async (tx): Promise<ReviewResult> => {
		const pending = await pendingForms(tx, linkId);
		if (!pending || pending.forms.length === 0) return { ok: false, field: 'form', message: 'Nothing from this self-report is awaiting review.' };
		await tx
			.update(selfReportAnswers)
			.set({ discardedAt: new Date(), discardedBy: actor.id, discardReason: reason })
			.where(and(eq(selfReportAnswers.linkId, linkId), inArray(selfReportAnswers.instrumentId, pending.forms.map((f) => f.instrumentId))));
		await appendAuditMany(tx, [{ actorId: actor.id, action: 'discard', entity: 'self_report', entityId: linkId, after: { visitId: pending.link.visitId, forms: pending.forms.map((f) => f.instrumentId) }, reason, requestId: actor.requestId }]);
		return { ok: true };
	});
}
