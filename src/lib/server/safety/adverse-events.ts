/**
 * Adverse events: recorded, edited with a reason (optimistic locking on `version`) or voided with
 * one — never deleted — each write in one transaction with its audit row. A serious event stays
 * on every clinician's and admin's screen (unacknowledgedSerious) until an admin acknowledges it.
 */
import { isUuid } from '$lib/validation/ids';
import { and, asc, count, desc, eq, isNull } from 'drizzle-orm';
import type { Db } from '../db';
import { adverseEvents, aeCategories, patients, visits } from '../db/schema';
import { appendAudit } from '../audit';
import type { Actor } from '../users';
import type { WriteResult } from '../patients';
import type { AdverseEventInput } from '../../validation/safety';
import { ARCHIVED, CONFLICT_MESSAGE, refusal } from './refusals';
import { isUniqueViolation, pgConstraint } from '../errors';

export type AdverseEventRow = typeof adverseEvents.$inferSelect;

/** What the audit row keeps of an event (before and after each change). */
type Snapshotted = 'onsetOn' | 'visitId' | 'categoryCode' | 'categoryDetail' | 'severity' | 'serious' | 'seriousCriteria' | 'relatedness' | 'actionTaken' | 'outcome' | 'resolvedOn' | 'note';
export function adverseEventSnapshot(e: Pick<AdverseEventRow, Snapshotted> & Partial<Pick<AdverseEventRow, 'voided' | 'voidReason'>>) {
	return {
		onsetOn: e.onsetOn,
		visitId: e.visitId,
		categoryCode: e.categoryCode,
		categoryDetail: e.categoryDetail,
		severity: e.severity,
		serious: e.serious,
		seriousCriteria: e.seriousCriteria,
		relatedness: e.relatedness,
		actionTaken: e.actionTaken,
		outcome: e.outcome,
		resolvedOn: e.resolvedOn,
		note: e.note,
		voided: e.voided ?? false,
		voidReason: e.voidReason ?? null
	};
}

type Refusal = { ok: false; field: string; message: string };

/**
 * The rules that need the patient: they exist and are not archived, the onset is not before
 * their enrolment, the visit (when given) is one of their live visits and not after the onset,
 * the category is active.
 */
async function patientProblem(db: Db, patientId: string, input: AdverseEventInput, exceptCategory?: string): Promise<Refusal | null> {
	const [p] = await db.select({ enrolledOn: patients.enrolledOn, archived: patients.archived }).from(patients).where(eq(patients.id, patientId));
	if (!p) return { ok: false, field: 'patient', message: 'No such patient.' };
	if (p.archived) return { ok: false, field: 'form', message: ARCHIVED };
	if (input.onsetOn < p.enrolledOn) return { ok: false, field: 'onsetOn', message: `The onset cannot be before enrolment (${p.enrolledOn}).` };
	if (input.visitId !== null) {
		const [visit] = isUuid(input.visitId)
			? await db.select({ id: visits.id, visitDate: visits.visitDate }).from(visits).where(and(eq(visits.id, input.visitId), eq(visits.patientId, patientId), eq(visits.voided, false)))
			: [];
		if (!visit) return { ok: false, field: 'visitId', message: 'Choose one of this patient’s visits.' };
		if (input.onsetOn < visit.visitDate) return { ok: false, field: 'onsetOn', message: `The onset cannot be before the visit it followed (${visit.visitDate}).` };
	}
	const [category] = await db.select({ active: aeCategories.active }).from(aeCategories).where(eq(aeCategories.code, input.categoryCode));
	// An edit may keep a category that was retired since.
	if (!category || (!category.active && input.categoryCode !== exceptCategory)) return { ok: false, field: 'categoryCode', message: 'Choose the kind of event from the list.' };
	return null;
}

/** The event a form's one-time key already recorded for this patient, if any. */
async function recordedWithKey(db: Db, patientId: string, submissionKey: string): Promise<string | null> {
	const [row] = await db
		.select({ id: adverseEvents.id })
		.from(adverseEvents)
		.where(and(eq(adverseEvents.submissionKey, submissionKey), eq(adverseEvents.patientId, patientId)));
	return row?.id ?? null;
}

/**
 * Records an event. `submissionKey`: the form's one-time key; the same form sent again (a double
 * click without JavaScript, a retried request) answers with the event it recorded, and records
 * nothing more (the patient lock serialises the two; the unique key is the last line).
 */
export async function recordAdverseEvent(db: Db, actor: Actor, patientId: string, input: AdverseEventInput, submissionKey: string | null = null): Promise<WriteResult<string>> {
	if (!isUuid(patientId)) return { ok: false, field: 'patient', message: 'No such patient.' };
	const key = submissionKey !== null && isUuid(submissionKey) ? submissionKey : null;
	try {
		return await db.transaction(async (tx): Promise<WriteResult<string>> => {
			// The patient row locked: an archive or an enrolment change waits for this save.
			await tx.select({ id: patients.id }).from(patients).where(eq(patients.id, patientId)).for('no key update');
			const already = key ? await recordedWithKey(tx, patientId, key) : null;
			if (already) return { ok: true, value: already };
			const problem = await patientProblem(tx, patientId, input);
			if (problem) return problem;
			const [row] = await tx
				.insert(adverseEvents)
				.values({ ...input, patientId, createdBy: actor.id, submissionKey: key })
				.returning({ id: adverseEvents.id });
			await appendAudit(tx, {
				actorId: actor.id,
				action: 'create',
				entity: 'adverse_event',
				entityId: row!.id,
				after: { patientId, ...adverseEventSnapshot(input) },
				requestId: actor.requestId
			});
			return { ok: true, value: row!.id };
		});
	} catch (err) {
		if (key && isUniqueViolation(err) && pgConstraint(err).name === 'adverse_events_submission_key') {
			const already = await recordedWithKey(db, patientId, key);
			if (already) return { ok: true, value: already };
			return { ok: false, field: 'form', message: 'This form was already used for another patient. Open the form again.' };
		}
		const refused = refusal(err);
		if (refused) return refused;
		throw err;
	}
}

export type AdverseEventChange = AdverseEventInput | { voided: true; voidReason: string };

/** Edits an event (a reason is required) or voids it, only if nobody saved since `expectedVersion`. */
export async function updateAdverseEvent(db: Db, actor: Actor, eventId: string, expectedVersion: number, change: AdverseEventChange, reason: string): Promise<WriteResult> {
	if (!isUuid(eventId)) return { ok: false, field: 'form', message: 'No such adverse event.' };
	try {
		return await db.transaction(async (tx): Promise<WriteResult> => {
			const [before] = await tx.select().from(adverseEvents).where(eq(adverseEvents.id, eventId)).for('no key update');
			if (!before) return { ok: false, field: 'form', message: 'No such adverse event.' };
			if (before.version !== expectedVersion) {
				return { ok: false, field: 'conflict', message: CONFLICT_MESSAGE, current: { ...adverseEventSnapshot(before), version: before.version } };
			}
			if (before.voided) return { ok: false, field: 'form', message: 'This adverse event is voided; it cannot be changed.' };
			const voiding = 'voided' in change;
			if (!voiding) {
				const problem = await patientProblem(tx, before.patientId, change, before.categoryCode);
				if (problem) return problem;
			}
			const fields = voiding ? { voided: true, voidReason: change.voidReason } : change;
			// An event that stops being serious has nothing to acknowledge; one still serious keeps its acknowledgement.
			const acknowledgement = voiding || change.serious ? {} : { acknowledgedAt: null, acknowledgedBy: null };
			await tx
				.update(adverseEvents)
				.set({ ...fields, ...acknowledgement, version: before.version + 1, updatedAt: new Date() })
				.where(eq(adverseEvents.id, eventId));
			await appendAudit(tx, {
				actorId: actor.id,
				action: voiding ? 'void' : 'update',
				entity: 'adverse_event',
				entityId: eventId,
				before: adverseEventSnapshot(before),
				after: adverseEventSnapshot({ ...before, ...fields }),
				reason,
				requestId: actor.requestId
			});
			return { ok: true };
		});
	} catch (err) {
		const refused = refusal(err);
		if (refused) return refused;
		throw err;
	}
}

/** An admin has seen a serious event: who and when are kept on it and in the audit log. */
export async function acknowledgeAdverseEvent(db: Db, actor: Actor & { id: string }, eventId: string): Promise<WriteResult> {
	if (!isUuid(eventId)) return { ok: false, field: 'form', message: 'No such adverse event.' };
	return db.transaction(async (tx): Promise<WriteResult> => {
		const [event] = await tx.select().from(adverseEvents).where(eq(adverseEvents.id, eventId)).for('no key update');
		if (!event) return { ok: false, field: 'form', message: 'No such adverse event.' };
		if (!event.serious || event.voided) return { ok: false, field: 'form', message: 'Only a serious adverse event that is not voided needs acknowledging.' };
		if (event.acknowledgedAt) return { ok: false, field: 'form', message: 'This event was already acknowledged.' };
		const at = new Date();
		await tx.update(adverseEvents).set({ acknowledgedAt: at, acknowledgedBy: actor.id }).where(eq(adverseEvents.id, eventId));
		await appendAudit(tx, {
			actorId: actor.id,
			action: 'acknowledge',
			entity: 'adverse_event',
			entityId: eventId,
			before: { acknowledgedAt: null, acknowledgedBy: null },
			after: { acknowledgedAt: at.toISOString(), acknowledgedBy: actor.id },
			requestId: actor.requestId
		});
		return { ok: true };
	});
}

export async function getAdverseEvent(db: Db, eventId: string): Promise<AdverseEventRow | undefined> {
	if (!isUuid(eventId)) return undefined;
	const [row] = await db.select().from(adverseEvents).where(eq(adverseEvents.id, eventId));
	return row;
}

/** A patient's adverse events, voided ones too (marked), by onset. */
export function patientAdverseEvents(db: Db, patientId: string) {
	return db
		.select({
			id: adverseEvents.id,
			onsetOn: adverseEvents.onsetOn,
			category: aeCategories.label,
			categoryDetail: adverseEvents.categoryDetail,
			severity: adverseEvents.severity,
			serious: adverseEvents.serious,
			relatedness: adverseEvents.relatedness,
			outcome: adverseEvents.outcome,
			resolvedOn: adverseEvents.resolvedOn,
			acknowledgedAt: adverseEvents.acknowledgedAt,
			voided: adverseEvents.voided,
			voidReason: adverseEvents.voidReason
		})
		.from(adverseEvents)
		.innerJoin(aeCategories, eq(aeCategories.code, adverseEvents.categoryCode))
		.where(eq(adverseEvents.patientId, patientId))
		.orderBy(asc(adverseEvents.onsetOn), asc(adverseEvents.createdAt), asc(adverseEvents.id));
}

const unacknowledged = and(eq(adverseEvents.serious, true), isNull(adverseEvents.acknowledgedAt), eq(adverseEvents.voided, false));

/** Live serious events no admin has acknowledged yet: the newest few, and how many in all. */
export async function unacknowledgedSerious(db: Db, limit = 5) {
	const [rows, [total]] = await Promise.all([
		db
			.select({ id: adverseEvents.id, patientId: adverseEvents.patientId, clinicRef: patients.clinicRef, onsetOn: adverseEvents.onsetOn, category: aeCategories.label })
			.from(adverseEvents)
			.innerJoin(patients, eq(patients.id, adverseEvents.patientId))
			.innerJoin(aeCategories, eq(aeCategories.code, adverseEvents.categoryCode))
			.where(unacknowledged)
			.orderBy(desc(adverseEvents.createdAt), desc(adverseEvents.id))
			.limit(limit),
		db.select({ n: count() }).from(adverseEvents).where(unacknowledged)
	]);
	return { events: rows, total: total?.n ?? 0 };
}
