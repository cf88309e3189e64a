/**
 * Safety alerts (today: PHQ-9 item 9 answered above 0). Raised by the database at save (trigger
 * of migration `stress_mood_safety`, so no writer can skip it and the save itself never fails for
 * it); read here for the notice on every clinician's and admin's page, the visit page and /safety;
 * acknowledged by a clinician or admin, who and when kept on the alert and in the audit log.
 */
import { and, asc, count, desc, eq, isNull } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { isUuid } from '$lib/validation/ids';
import type { Db } from '../db';
import { patients, safetyAlerts, users, visits } from '../db/schema';
import { appendAudit } from '../audit';
import type { Actor } from '../users';
import type { WriteResult } from '../patients';

export const ALERT_LABELS: Record<string, string> = { phq9_item9: 'PHQ-9 item 9 (self-harm thoughts) answered above 0' };

const open = isNull(safetyAlerts.acknowledgedAt);

/** Alerts nobody has acknowledged yet: the newest few (with the patient's clinic reference), and how many in all. */
export async function openSafetyAlerts(db: Db, limit = 5) {
	const [rows, [total]] = await Promise.all([
		db
			.select({
				id: safetyAlerts.id,
				kind: safetyAlerts.kind,
				value: safetyAlerts.value,
				patientId: safetyAlerts.patientId,
				visitId: safetyAlerts.visitId,
				clinicRef: patients.clinicRef,
				visitDate: visits.visitDate,
				raisedAt: safetyAlerts.raisedAt
			})
			.from(safetyAlerts)
			.innerJoin(patients, eq(patients.id, safetyAlerts.patientId))
			.innerJoin(visits, eq(visits.id, safetyAlerts.visitId))
			.where(open)
			.orderBy(desc(safetyAlerts.raisedAt), desc(safetyAlerts.id))
			.limit(limit),
		db.select({ n: count() }).from(safetyAlerts).where(open)
	]);
	return { alerts: rows, total: total?.n ?? 0 };
}

/** A visit's alerts, open or acknowledged, with who raised and who acknowledged them. */
export function visitSafetyAlerts(db: Db, visitId: string) {
	const raiser = alias(users, 'raiser');
	const acknowledger = alias(users, 'acknowledger');
	return db
		.select({
			id: safetyAlerts.id,
			kind: safetyAlerts.kind,
			value: safetyAlerts.value,
			raisedAt: safetyAlerts.raisedAt,
			raisedBy: raiser.name,
			acknowledgedAt: safetyAlerts.acknowledgedAt,
			acknowledgedBy: acknowledger.name
		})
		.from(safetyAlerts)
		.leftJoin(raiser, eq(raiser.id, safetyAlerts.raisedBy))
		.leftJoin(acknowledger, eq(acknowledger.id, safetyAlerts.acknowledgedBy))
		.where(eq(safetyAlerts.visitId, visitId))
		.orderBy(asc(safetyAlerts.raisedAt), asc(safetyAlerts.id));
}

/** A clinician or admin has seen the alert (and acted on it outside the app): who and when, audited. */
export async function acknowledgeSafetyAlert(db: Db, actor: Actor & { id: string }, alertId: string, visitId: string): Promise<WriteResult> {
	if (!isUuid(alertId)) return { ok: false, field: 'form', message: 'No such alert.' };
	return db.transaction(async (tx): Promise<WriteResult> => {
		const [alert] = await tx
			.select()
			.from(safetyAlerts)
			.where(and(eq(safetyAlerts.id, alertId), eq(safetyAlerts.visitId, visitId)))
			.for('no key update');
		if (!alert) return { ok: false, field: 'form', message: 'No such alert.' };
		if (alert.acknowledgedAt) return { ok: false, field: 'form', message: 'This alert was already acknowledged.' };
		const at = new Date();
		await tx.update(safetyAlerts).set({ acknowledgedAt: at, acknowledgedBy: actor.id }).where(eq(safetyAlerts.id, alertId));
		await appendAudit(tx, {
			actorId: actor.id,
			action: 'acknowledge',
			entity: 'safety_alert',
			entityId: alertId,
			before: { acknowledgedAt: null, acknowledgedBy: null },
			after: { acknowledgedAt: at.toISOString(), acknowledgedBy: actor.id },
			requestId: actor.requestId
		});
		return { ok: true };
	});
}
