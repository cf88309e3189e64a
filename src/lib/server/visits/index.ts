/**
 * Visits and their questionnaire responses. Scores are always computed here from the item
 * answers by the instrument registry; whatever score a client sends is never read. Saving a visit
 * with several instruments is one transaction: all of it or nothing.
 */
import { isUuid } from '$lib/validation/ids';
import { and, asc, eq, inArray, lt, sql, type SQL } from 'drizzle-orm';
import { executeRows, type Db } from '../db';
import { insertRowsSql } from '../db/bulk';
import { adverseEvents, patients, responses, responseScores, visits, type ResponseSource } from '../db/schema';
import { randomUUID } from 'node:crypto';
import { appendAudit, appendAuditMany, chainHeadsSql, freeChainSql, heldChainEnd, insertAudit, type AuditEntry } from '../audit';
import { deltasSql, lockPatients, rollupAfter, rollupBefore, visitAddedDeltas, visitFacts, visitFactsSql, visitSeriesUpkeep } from '../cohort/rollup';
import { isCheckViolation, isForeignKeyViolation, isUniqueViolation, pgConstraint } from '../errors';
import type { Actor } from '../users';
import type { WriteResult } from '../patients';
import type { VisitEdit, VisitInput } from '../../validation/clinical';
import { getInstrument, isActive, scoreResponse } from '../../instruments';
import { definitionRef } from '../instruments/installed';

export type Answers = Record<string, number | null>;
export interface ResponseInput {
	instrumentId: string;
	answers: Answers;
}
export type ItemError = { item?: string; message: string };
/** Refused: the patient already has a live visit on that date (one per date; the form links to it). */
export type SameDate = { ok: false; field: 'visitDate'; message: string; existingVisitId: string };
export type VisitResult<T = void> =
	| WriteResult<T>
	| SameDate
	| { ok: false; field: 'instruments'; message: string; instrumentErrors: Record<string, ItemError[]> };

export const SAME_DATE = 'A visit on this date already exists for this patient.';

type VisitRow = typeof visits.$inferSelect;

export function visitSnapshot(v: Pick<VisitRow, 'visitDate' | 'kind' | 'acupunctureSessions' | 'note' | 'voided' | 'voidReason'> & Partial<Pick<VisitRow, 'flare' | 'aeAnswer'>>) {
	return {
		visitDate: v.visitDate,
		kind: v.kind,
		acupunctureSessions: v.acupunctureSessions,
		// Left out, a new visit stores these defaults (the columns' own).
		flare: v.flare ?? 'unknown',
		aeAnswer: v.aeAnswer ?? 'not_asked',
		note: v.note,
		voided: v.voided,
		voidReason: v.voidReason
	};
}

export interface Scored {
	instrumentId: string;
	version: string;
	scoringVersion: string;
	/** The stored definition version the scores were computed with. */
	definition: ReturnType<typeof definitionRef>;
	answers: Answers;
	scores: Record<string, number | null>;
}

/**
 * Scores every response; any error anywhere means nothing may be stored. A deactivated instrument
 * takes no new response (`editing`: a stored one is corrected, which it may).
 */
export function scoreAll(inputs: ResponseInput[], editing = false): { scored: Scored[]; errors: Record<string, ItemError[]> } {
	const scored: Scored[] = [];
	const errors: Record<string, ItemError[]> = {};
	const seen = new Set<string>();
	for (const input of inputs) {
		if (seen.has(input.instrumentId)) {
			errors[input.instrumentId] = [{ message: 'This instrument is entered twice; one response per visit.' }];
			continue;
		}
		seen.add(input.instrumentId);
		const def = getInstrument(input.instrumentId);
		if (def && !editing && !isActive(def.id)) {
			errors[input.instrumentId] = [{ message: `${def.shortName} is no longer in use for new entries (an admin deactivated it).` }];
			continue;
		}
		const result = scoreResponse(input.instrumentId, input.answers);
		if (!def || !result.ok) {
			errors[input.instrumentId] = result.ok ? [{ message: 'Unknown instrument.' }] : result.errors;
			continue;
		}
		// Keep only answered items, in the definition's order (missing stays missing, never 0).
		const answers: Answers = {};
		for (const item of def.items) answers[item.key] = input.answers[item.key] ?? null;
		scored.push({ instrumentId: def.id, version: def.version, scoringVersion: def.scoringVersion, definition: definitionRef(def), answers, scores: result.scores });
	}
	return { scored, errors };
}

/** Inserts responses (one statement) and their scores (one more); returns their audit rows. */
async function insertResponses(tx: Db, actor: Actor, visitId: string, list: Scored[], source: ResponseSource = 'clinician'): Promise<{ ids: string[]; audit: AuditEntry[] }> {
	if (list.length === 0) return { ids: [], audit: [] };
	const ids = list.map(() => randomUUID());
	const { responseRows, scoreRows } = rowsOf(actor, visitId, list, ids);
	await tx.insert(responses).values(responseRows.map((r) => ({ ...r, source })));
	if (scoreRows.length > 0) await tx.insert(responseScores).values(scoreRows);
	const audit = responseAuditRows(actor, visitId, list, ids);
	if (source !== 'clinician') for (const a of audit) a.after = { ...(a.after as object), source };
	return { ids, audit };
}

/**
 * Patient-given answers a clinician accepted, stored as ordinary responses with their source, in
 * the caller's transaction (with the rollup kept up); returns the new ids and their audit rows,
 * which the caller appends with its own. A second response for an instrument of the visit breaks
 * the unique key: the caller reports it.
 */
export async function insertPatientResponses(tx: Db, actor: Actor, visitId: string, patientId: string, list: Scored[], source: ResponseSource): Promise<{ ids: string[]; audit: AuditEntry[] }> {
	await lockPatients(tx, [patientId]);
	const rollup = await rollupBefore(tx, [patientId], list.map((s) => s.instrumentId));
	const written = await insertResponses(tx, actor, visitId, list, source);
	await rollupAfter(tx, rollup);
	return written;
}

/** The rows of new responses (ids given) and of their scores. */
function rowsOf(actor: Actor, visitId: string, list: Scored[], ids: string[]) {
	const responseRows = list.map((s, i) => ({
		id: ids[i]!,
		visitId,
		instrumentId: s.instrumentId,
		instrumentVersion: s.version,
		scoringVersion: s.scoringVersion,
		...s.definition,
		answers: s.answers,
		enteredBy: actor.id
	}));
	const scoreRows = list.flatMap((s, i) => Object.entries(s.scores).map(([scale, value]) => ({ responseId: ids[i]!, instrumentId: s.instrumentId, scale, value })));
	return { responseRows, scoreRows };
}

function responseAuditRows(actor: Actor, visitId: string, list: Scored[], ids: string[]): AuditEntry[] {
	return list.map((s, i) => ({
		actorId: actor.id,
		action: 'create',
		entity: 'response',
		entityId: ids[i]!,
		after: { visitId, instrumentId: s.instrumentId, version: s.version, answers: s.answers, scores: s.scores },
		requestId: actor.requestId
	}));
}

async function writeScores(tx: Db, responseId: string, s: Scored): Promise<void> {
	const rows = Object.entries(s.scores).map(([scale, value]) => ({ responseId, instrumentId: s.instrumentId, scale, value }));
	if (rows.length === 0) return;
	await tx
		.insert(responseScores)
		.values(rows)
		.onConflictDoUpdate({ target: [responseScores.responseId, responseScores.scale], set: { value: sql`excluded.value` } });
}

function instrumentFailure(errors: Record<string, ItemError[]>): VisitResult<never> {
	return {
		ok: false,
		field: 'instruments',
		message: 'Some answers need correcting; nothing was saved.',
		instrumentErrors: errors
	};
}

async function dateProblem(db: Db, patientId: string, visitDate: string, exceptVisitId?: string): Promise<string | SameDate | null> {
	const [p] = await db.select({ enrolledOn: patients.enrolledOn, archived: patients.archived }).from(patients).where(eq(patients.id, patientId));
	if (!p) return 'No such patient.';
	if (visitDate < p.enrolledOn) return `The visit cannot be before enrolment (${p.enrolledOn}).`;
	return sameDate(db, patientId, visitDate, exceptVisitId);
}

/** The patient's live visit on that date, other than `exceptVisitId`, as a refusal; else null. */
async function sameDate(db: Db, patientId: string, visitDate: string, exceptVisitId?: string): Promise<SameDate | null> {
	const [other] = await db
		.select({ id: visits.id })
		.from(visits)
		.where(and(eq(visits.patientId, patientId), eq(visits.visitDate, visitDate), eq(visits.voided, false)));
	if (!other || other.id === exceptVisitId) return null;
	return { ok: false, field: 'visitDate', message: SAME_DATE, existingVisitId: other.id };
}

/** The unique index visits_one_live_per_date refused a write (two saves raced, or a restore). */
const isSameDateViolation = (err: unknown) => isUniqueViolation(err) && pgConstraint(err).name === 'visits_one_live_per_date';

/** A rule found broken inside the transaction: it rolls back, and the user is told at the field. */
class Refused extends Error {
	constructor(
		readonly field: string,
		message: string
	) {
		super(message);
	}
}
/** `field: 'patient'`: the page answers 404. */
const NO_PATIENT = { ok: false, field: 'patient', message: 'No such patient.' } as const;
const ARCHIVED = 'This patient is archived; restore them first.';

/**
 * Saves a new visit with its responses in one transaction, in four round trips: begin; (1) the
 * patient locked and an audit chain taken by a small statement, then — sent in the same socket
 * write, so run once the locks are held — the visit, responses and scores inserted by one statement
 * whose SELECT reads the patient and their series (the rollup's facts), and the audit chains' ends
 * (the audit rows' keyed hashes are computed here: the key never reaches the database); (2) one
 * statement writing the rollup difference, the patient's new series and the audit rows; commit. More only when no
 * audit chain was free (one wait) or the visit is dated before others (the patient's points read
 * twice, the series recomputed). Each statement and socket write costs CPU on both sides.
 */
export async function recordVisit(
	db: Db,
	actor: Actor,
	patientId: string,
	visit: VisitInput,
	inputs: ResponseInput[]
): Promise<VisitResult<string>> {
	if (!isUuid(patientId)) return NO_PATIENT;
	const { scored, errors } = scoreAll(inputs);
	if (Object.keys(errors).length > 0) {
		// The date's problem first, as the form shows it first.
		const problem = await dateProblem(db, patientId, visit.visitDate);
		if (problem === 'No such patient.') return NO_PATIENT;
		if (typeof problem === 'string') return { ok: false, field: 'visitDate', message: problem };
		return problem ?? instrumentFailure(errors);
	}
	const visitId = randomUUID();
	const responseIds = scored.map(() => randomUUID());
	const instruments = scored.map((x) => x.instrumentId);
	const newValues = scored.flatMap((x) => Object.entries(x.scores).map(([scale, value]) => ({ instrument_id: x.instrumentId, scale, value })));
	// Named fields only: created_at must stay the column default (now(), the transaction's start),
	// which the patient series' order check (visitFactsSql) relies on.
	const { visitDate, kind, acupunctureSessions, note } = visit;
	const flare = visit.flare ?? 'unknown';
	const aeAnswer = visit.aeAnswer ?? 'not_asked';
	const visitRow = { id: visitId, visitDate, kind, acupunctureSessions, flare, aeAnswer, note, patientId, createdBy: actor.id };
	const { responseRows, scoreRows } = rowsOf(actor, visitId, scored, responseIds);
	const audit: AuditEntry[] = [
		{ actorId: actor.id, action: 'create', entity: 'visit', entityId: visitId, after: { patientId, ...visitSnapshot({ ...visit, flare, aeAnswer, voided: false, voidReason: null }) }, requestId: actor.requestId },
		...responseAuditRows(actor, visitId, scored, responseIds)
	];
	try {
		await db.transaction(async (tx) => {
			// Foreign keys are checked at the end of the statement, so the CTEs' order does not matter.
			const inserts = [
				sql`new_visit as (${insertRowsSql(visits, [visitRow])})`,
				...(responseRows.length ? [sql`new_responses as (${insertRowsSql(responses, responseRows)})`] : []),
				...(scoreRows.length ? [sql`new_scores as (${insertRowsSql(responseScores, scoreRows)})`] : [])
			];
			const [[locked], rows, heads] = await Promise.all([
				executeRows(tx, sql`select (select 1 from patients where id = ${patientId}::uuid for no key update) as found, ${freeChainSql()} as chain`),
				// Read committed: this statement's snapshot is taken once the lock above is held, so
				// it sees the series a concurrent save to the same patient committed.
				executeRows(tx, sql`with ${sql.join(inserts, sql`, `)} ${visitFactsSql(patientId, visitId, visit.visitDate, newValues)}`),
				// Likewise run once the chain is held: its end, which the audit rows' keyed hashes need.
				executeRows(tx, chainHeadsSql())
			]);
			// A missing patient never gets here: the visit's foreign key fails the insert statement.
			if (rows[0]!.archived === true) throw new Refused('form', ARCHIVED);
			const enrolledOn = String(rows[0]!.enrolled_on);
			if (visit.visitDate < enrolledOn) throw new Refused('visitDate', `The visit cannot be before enrolment (${enrolledOn}).`);
			const chainEnd = await heldChainEnd(tx, locked?.chain, heads);
			const facts = visitFacts(rows, visit.visitDate, newValues);
			const deltas = await visitAddedDeltas(tx, patientId, visitId, instruments, facts);
			// A visit not at the end of its series: the series are recomputed (two statements) here.
			const series = await visitSeriesUpkeep(tx, patientId, visitId, facts);
			const others = [deltasSql(deltas), series].filter((x): x is SQL => x !== null);
			await insertAudit(tx, chainEnd, audit, others);
		});
		return { ok: true, value: visitId };
	} catch (err) {
		if (err instanceof Refused) return { ok: false, field: err.field, message: err.message };
		if (isForeignKeyViolation(err)) return NO_PATIENT;
		if (isCheckViolation(err)) return visitCheckFailure(err);
		// No check before the insert (the save's round trips are counted): the index refuses it.
		if (isSameDateViolation(err)) return (await sameDate(db, patientId, visit.visitDate)) ?? { ok: false, field: 'visitDate', message: SAME_DATE };
		throw err;
	}
}

/** Why a visit's date cannot move (migration 0037): a live adverse event that followed it starts earlier. */
const linkedEventMessage = (onset?: string) =>
	`An adverse event recorded as following this visit started ${onset ? `on ${onset}` : 'earlier'}: the visit cannot move after it. Change the event's onset or its visit first.`;

/**
 * A CHECK the database refused (the form checks all of these first, so this is the safety net):
 * the field it concerns, by the constraint's name, or the visit-date rule (a trigger, no
 * constraint name); any other CHECK (a response's or a score's) is a form-level refusal.
 */
function visitCheckFailure(err: unknown): { ok: false; field: string; message: string } {
	const { name, message } = pgConstraint(err);
	if (name === 'visits_not_after_linked_event') return { ok: false, field: 'visitDate', message: linkedEventMessage(/onset (\d{4}-\d{2}-\d{2})/.exec(message)?.[1]) };
	const byConstraint: Record<string, [string, string]> = {
		visits_sessions_range: ['acupunctureSessions', 'Acupuncture sessions must be between 0 and 200.'],
		visits_note_length: ['note', 'The note can be at most 4,000 characters.'],
		visits_kind_known: ['kind', 'Choose the kind of visit.'],
		visits_flare_known: ['flare', 'Choose whether there was a flare.'],
		visits_ae_answer_known: ['aeAnswer', 'Choose none, yes or not asked.']
	};
	const known = name ? byConstraint[name] : undefined;
	if (known) return { ok: false, field: known[0], message: known[1] };
	if (!name && /visit date/i.test(message)) return { ok: false, field: 'visitDate', message: 'The visit date is outside the allowed range.' };
	return { ok: false, field: 'form', message: 'A value was outside its allowed range, so nothing was saved.' };
}

function conflict(current: Record<string, unknown>): WriteResult {
	return {
		ok: false,
		field: 'conflict',
		message: 'Someone else saved this after you opened it. Nothing was overwritten; their version is shown.',
		current
	};
}

/** Edits the visit's own fields (with a reason) or voids it; optimistic locking on `version`. */
export async function updateVisit(
	db: Db,
	actor: Actor,
	visitId: string,
	expectedVersion: number,
	edit: Partial<VisitEdit> & { voided?: boolean; voidReason?: string | null },
	reason: string
): Promise<WriteResult | SameDate> {
	// A field left out (undefined) keeps its stored value.
	const change = Object.fromEntries(Object.entries(edit).filter(([, x]) => x !== undefined)) as typeof edit;
	try {
		return await db.transaction(async (tx): Promise<WriteResult | SameDate> => {
			const [owner] = await tx.select({ patientId: visits.patientId }).from(visits).where(eq(visits.id, visitId));
			if (owner) await lockPatients(tx, [owner.patientId]);
			const [before] = await tx.select().from(visits).where(eq(visits.id, visitId)).for('no key update');
			if (!before) return { ok: false, field: 'form', message: 'No such visit.' };
			if (before.version !== expectedVersion) return conflict({ ...visitSnapshot(before), version: before.version });
			const after = { ...before, ...change };
			if (change.visitDate) {
				const problem = await dateProblem(tx, before.patientId, change.visitDate, visitId);
				if (typeof problem === 'string') return { ok: false, field: 'visitDate', message: problem };
				if (problem && !after.voided) return problem;
				// An adverse event recorded as following this visit must not start before it (migration 0037).
				const [event] = await tx
					.select({ onsetOn: adverseEvents.onsetOn })
					.from(adverseEvents)
					.where(and(eq(adverseEvents.visitId, visitId), eq(adverseEvents.voided, false), lt(adverseEvents.onsetOn, change.visitDate)))
					.orderBy(asc(adverseEvents.onsetOn))
					.limit(1);
				if (event) return { ok: false, field: 'visitDate', message: linkedEventMessage(event.onsetOn) };
			} else if (before.voided && !after.voided) {
				// Restoring a voided visit: the patient must not be archived, and its date must be free again.
				const [p] = await tx.select({ archived: patients.archived }).from(patients).where(eq(patients.id, before.patientId));
				if (p?.archived) return { ok: false, field: 'form', message: ARCHIVED };
				const taken = await sameDate(tx, before.patientId, before.visitDate, visitId);
				if (taken) return taken;
			}
			const recorded = await tx.select({ instrumentId: responses.instrumentId }).from(responses).where(eq(responses.visitId, visitId));
			const rollup = await rollupBefore(tx, [before.patientId], recorded.map((r) => r.instrumentId));
			await tx
				.update(visits)
				.set({ ...change, version: before.version + 1, updatedAt: new Date() })
				.where(eq(visits.id, visitId));
			await rollupAfter(tx, rollup);
			await appendAudit(tx, {
				actorId: actor.id,
				action: change.voided ? 'void' : before.voided && change.voided === false ? 'restore' : 'update',
				entity: 'visit',
				entityId: visitId,
				before: visitSnapshot(before),
				after: visitSnapshot(after),
				reason,
				requestId: actor.requestId
		});
		return { ok: true };
		});
	} catch (err) {
		if (isCheckViolation(err)) return visitCheckFailure(err);
		if (!isSameDateViolation(err)) throw err;
		const [v] = await db.select({ patientId: visits.patientId, visitDate: visits.visitDate }).from(visits).where(eq(visits.id, visitId));
		const date = change.visitDate ?? v?.visitDate;
		return (v && date ? await sameDate(db, v.patientId, date, visitId) : null) ?? { ok: false, field: 'visitDate', message: SAME_DATE };
	}
}

export function voidVisit(db: Db, actor: Actor, visitId: string, expectedVersion: number, reason: string) {
	return updateVisit(db, actor, visitId, expectedVersion, { voided: true, voidReason: reason }, reason);
}

/** Puts a voided visit back (with a reason): refused while the patient is archived or the date holds another live visit. */
export function restoreVisit(db: Db, actor: Actor, visitId: string, expectedVersion: number, reason: string) {
	return updateVisit(db, actor, visitId, expectedVersion, { voided: false, voidReason: null }, reason);
}

/**
 * Adds an instrument to a visit (`expectedVersion` null) or edits its answers (a reason and the
 * version read are required); the old answers and scores stay in the audit row.
 */
export async function saveResponse(
	db: Db,
	actor: Actor,
	visitId: string,
	input: ResponseInput,
	edit: { expectedVersion: number; reason: string } | null
): Promise<VisitResult> {
	const { scored, errors } = scoreAll([input], edit !== null);
	const s = scored[0];
	if (!s) return instrumentFailure(errors);
	try {
		return await db.transaction(async (tx): Promise<VisitResult> => {
			const [visit] = await tx.select({ voided: visits.voided, patientId: visits.patientId }).from(visits).where(eq(visits.id, visitId));
			if (!visit) return { ok: false, field: 'form', message: 'No such visit.' };
			await lockPatients(tx, [visit.patientId]);
			if (visit.voided) return { ok: false, field: 'form', message: 'This visit is voided; it cannot be changed.' };
			if (!edit) {
				const rollup = await rollupBefore(tx, [visit.patientId], [s.instrumentId]);
				const { audit } = await insertResponses(tx, actor, visitId, [s]);
				await rollupAfter(tx, rollup);
				await appendAuditMany(tx, audit);
				return { ok: true };
			}
			const [before] = await tx
				.select()
				.from(responses)
				.where(and(eq(responses.visitId, visitId), eq(responses.instrumentId, s.instrumentId)))
				.for('no key update');
			if (!before) return { ok: false, field: 'form', message: 'No such response.' };
			const oldScores = await scoresOf(tx, [before.id]);
			if (before.version !== edit.expectedVersion) {
				return conflict({ answers: before.answers, scores: oldScores.get(before.id) ?? {}, version: before.version });
			}
			const rollup = await rollupBefore(tx, [visit.patientId], [s.instrumentId]);
			await tx
				.update(responses)
				.set({ answers: s.answers, instrumentVersion: s.version, scoringVersion: s.scoringVersion, ...s.definition, version: before.version + 1, updatedAt: new Date(), enteredBy: actor.id })
				.where(eq(responses.id, before.id));
			await writeScores(tx, before.id, s);
			await rollupAfter(tx, rollup);
			await appendAudit(tx, {
				actorId: actor.id,
				action: 'update',
				entity: 'response',
				entityId: before.id,
				before: { instrumentId: before.instrumentId, answers: before.answers, scores: oldScores.get(before.id) ?? {} },
				after: { instrumentId: s.instrumentId, answers: s.answers, scores: s.scores },
				reason: edit.reason,
				requestId: actor.requestId
			});
			return { ok: true };
		});
	} catch (err) {
		if (isUniqueViolation(err)) {
			return instrumentFailure({ [input.instrumentId]: [{ message: 'This visit already has this instrument; edit it instead.' }] });
		}
		throw err;
	}
}

async function scoresOf(db: Db, responseIds: string[]) {
	const map = new Map<string, Record<string, number | null>>();
	if (responseIds.length === 0) return map;
	const rows = await db.select().from(responseScores).where(inArray(responseScores.responseId, responseIds));
	for (const r of rows) {
		const entry = map.get(r.responseId) ?? {};
		entry[r.scale] = r.value;
		map.set(r.responseId, entry);
	}
	return map;
}

export interface VisitView extends VisitRow {
	responses: { id: string; instrumentId: string; version: number; answers: Answers; scores: Record<string, number | null>; source: ResponseSource }[];
}

/** A patient's visits in time order, each with its responses and scores. */
export async function patientVisits(db: Db, patientId: string): Promise<VisitView[]> {
	const rows = await db.select().from(visits).where(eq(visits.patientId, patientId)).orderBy(asc(visits.visitDate), asc(visits.createdAt), asc(visits.id));
	if (rows.length === 0) return [];
	const resp = await db
		.select()
		.from(responses)
		.where(inArray(responses.visitId, rows.map((r) => r.id)))
		.orderBy(asc(responses.instrumentId));
	const scores = await scoresOf(db, resp.map((r) => r.id));
	return rows.map((v) => ({
		...v,
		responses: resp
			.filter((r) => r.visitId === v.id)
			.map((r) => ({ id: r.id, instrumentId: r.instrumentId, version: r.version, answers: r.answers as Answers, scores: scores.get(r.id) ?? {}, source: r.source }))
	}));
}

export async function getVisit(db: Db, visitId: string) {
	if (!isUuid(visitId)) return undefined;
	const [row] = await db.select().from(visits).where(eq(visits.id, visitId));
	return row;
}
