/**
 * "Self-report" on a due row: the visit the patient's answers will belong to. Self-report lives on
 * a visit, so one click either reuses the patient's live visit of that date (a visit per date is
 * the rule, see visits_one_live_per_date) or records a new, empty one through recordVisit, which
 * writes its audit row in the same transaction and refuses archived patients and dates before
 * enrolment. Two clicks racing both end on the same visit: the second insert is refused by the
 * unique index and its SameDate answer names the first one's visit.
 */
import { and, eq } from 'drizzle-orm';
import { isUuid } from '$lib/validation/ids';
import type { Db } from '../db';
import { patients, visits } from '../db/schema';
import { recordVisit } from '../visits';
import type { Actor } from '../users';

export type StartResult = { ok: true; visitId: string; created: boolean } | { ok: false; field: 'patient' | 'form'; message: string };

const ARCHIVED = 'This patient is archived; restore them first.';

/**
 * The patient's live visit on `on`, made when there is none. A new one is of `kind`, with no
 * answers and 0 acupuncture sessions (the column has no "not asked"; the clinician corrects it on
 * the visit when sessions were given).
 */
export async function visitForSelfReport(db: Db, actor: Actor & { id: string }, patientId: string, on: string, kind: 'baseline' | 'follow_up'): Promise<StartResult> {
	if (!isUuid(patientId)) return { ok: false, field: 'patient', message: 'No such patient.' };
	const [found] = await db
		.select({ archived: patients.archived, enrolledOn: patients.enrolledOn, visitId: visits.id })
		.from(patients)
		.leftJoin(visits, and(eq(visits.patientId, patients.id), eq(visits.visitDate, on), eq(visits.voided, false)))
		.where(eq(patients.id, patientId));
	if (!found) return { ok: false, field: 'patient', message: 'No such patient.' };
	if (found.archived) return { ok: false, field: 'form', message: ARCHIVED };
	if (on < found.enrolledOn) return { ok: false, field: 'form', message: `The visit cannot be before enrolment (${found.enrolledOn}).` };
	if (found.visitId) return { ok: true, visitId: found.visitId, created: false };
	const made = await recordVisit(db, actor, patientId, { visitDate: on, kind, acupunctureSessions: 0, note: null }, []);
	if (made.ok) return { ok: true, visitId: made.value, created: true };
	// Another click (or a colleague) made the visit of that date first: use it.
	if ('existingVisitId' in made) return { ok: true, visitId: made.existingVisitId, created: false };
	if (made.field === 'patient') return { ok: false, field: 'patient', message: made.message };
	return { ok: false, field: 'form', message: made.message };
}
