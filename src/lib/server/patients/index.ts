/**
 * Patients: create, edit (with a reason and optimistic locking), archive. Never deleted. Every
 * write is one transaction with its audit row.
 */
import { isUuid } from '$lib/validation/ids';
import { and, asc, count, eq, ilike, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db';
import { conditions, patients, visits } from '../db/schema';
import { appendAudit } from '../audit';
import { rollupAfter, rollupBefore } from '../cohort/rollup';
import { isUniqueViolation } from '../errors';
import type { Actor } from '../users';
import type { PatientInput } from '../../validation/clinical';

export type PatientRow = typeof patients.$inferSelect;

export type WriteResult<T = void> =
	| ({ ok: true } & (T extends void ? unknown : { value: T }))
	| { ok: false; field: string; message: string }
	| { ok: false; field: 'conflict'; message: string; current: Record<string, unknown> };

export function patientSnapshot(p: PatientRow | (PatientInput & { archived?: boolean })) {
	return {
		clinicRef: p.clinicRef,
		name: p.name,
		dateOfBirth: p.dateOfBirth,
		sex: p.sex,
		conditionCode: p.conditionCode,
		enrolledOn: p.enrolledOn,
		archived: p.archived ?? false
	};
}

async function conditionExists(db: Db, code: string): Promise<boolean> {
	const [row] = await db.select({ code: conditions.code }).from(conditions).where(eq(conditions.code, code));
	return Boolean(row);
}

const DUPLICATE_REF = { ok: false, field: 'clinicRef', message: 'Another patient has this clinic reference.' } as const;

export async function createPatient(db: Db, actor: Actor, input: PatientInput): Promise<WriteResult<string>> {
	if (!(await conditionExists(db, input.conditionCode))) {
		return { ok: false, field: 'conditionCode', message: 'Choose a condition from the list.' };
	}
	try {
		const id = await db.transaction(async (tx) => {
			const [row] = await tx.insert(patients).values(input).returning();
			if (!row) throw new Error('insert returned no row');
			await appendAudit(tx, {
				actorId: actor.id,
				action: 'create',
				entity: 'patient',
				entityId: row.id,
				after: patientSnapshot(row),
				requestId: actor.requestId
			});
			return row.id;
		});
		return { ok: true, value: id };
	} catch (err) {
		if (isUniqueViolation(err)) return DUPLICATE_REF;
		throw err;
	}
}

export async function getPatient(db: Db, id: string): Promise<PatientRow | undefined> {
	if (!isUuid(id)) return undefined;
	const [row] = await db.select().from(patients).where(eq(patients.id, id));
	return row;
}

/**
 * Saves an edit only if nobody saved since `expectedVersion` was read; otherwise returns the
 * current values so the user can see what changed.
 */
export async function updatePatient(
	db: Db,
	actor: Actor,
	id: string,
	expectedVersion: number,
	change: PatientInput & { archived?: boolean },
	reason: string,
	action = 'update'
): Promise<WriteResult> {
	if (!(await conditionExists(db, change.conditionCode))) {
		return { ok: false, field: 'conditionCode', message: 'Choose a condition from the list.' };
	}
	try {
		return await db.transaction(async (tx): Promise<WriteResult> => {
			// Locking the patient row is the patient lock (see lockPatients).
			const [before] = await tx.select().from(patients).where(eq(patients.id, id)).for('no key update');
			if (!before) return { ok: false, field: 'form', message: 'No such patient.' };
			if (before.version !== expectedVersion) {
				return {
					ok: false,
					field: 'conflict',
					message: 'Someone else saved this patient after you opened it. Nothing was overwritten; their version is shown.',
					current: { ...patientSnapshot(before), version: before.version }
				};
			}
			const values = { ...change, archived: change.archived ?? before.archived };
			// The condition places the patient's points in the cohort rollup.
			const moves = values.conditionCode !== before.conditionCode;
			const rollup = moves ? await rollupBefore(tx, [id]) : null;
			await tx
				.update(patients)
				.set({ ...values, version: before.version + 1, updatedAt: new Date() })
				.where(eq(patients.id, id));
			if (rollup) await rollupAfter(tx, rollup);
			await appendAudit(tx, {
				actorId: actor.id,
				action,
				entity: 'patient',
				entityId: id,
				before: patientSnapshot(before),
				after: patientSnapshot({ ...before, ...values }),
				reason,
				requestId: actor.requestId
			});
			return { ok: true };
		});
	} catch (err) {
		if (isUniqueViolation(err)) return DUPLICATE_REF;
		throw err;
	}
}

export async function setPatientArchived(
	db: Db,
	actor: Actor,
	id: string,
	expectedVersion: number,
	archived: boolean,
	reason: string
): Promise<WriteResult> {
	const current = await getPatient(db, id);
	if (!current) return { ok: false, field: 'form', message: 'No such patient.' };
	const { id: _i, version: _v, createdAt: _c, updatedAt: _u, ...fields } = current;
	return updatePatient(db, actor, id, expectedVersion, { ...fields, archived }, reason, archived ? 'archive' : 'unarchive');
}

export interface PatientListQuery {
	q?: string;
	condition?: string;
	archived?: boolean;
	page?: number;
	pageSize?: number;
}

export interface PatientListRow {
	id: string;
	clinicRef: string;
	name: string;
	conditionLabel: string;
	archived: boolean;
	visitCount: number;
	lastVisit: string | null;
}

export async function listPatients(db: Db, query: PatientListQuery) {
	const pageSize = Math.min(Math.max(query.pageSize ?? 25, 1), 100);
	const page = Math.max(query.page ?? 1, 1);
	const filters = [eq(patients.archived, query.archived ?? false)];
	if (query.condition) filters.push(eq(patients.conditionCode, query.condition));
	const q = query.q?.trim();
	if (q) {
		const like = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
		filters.push(or(ilike(patients.clinicRef, like), ilike(patients.name, like))!);
	}
	const where = and(...filters);
	const stats = db
		.select({
			patientId: visits.patientId,
			visitCount: sql<number>`count(*)::int`.as('visit_count'),
			lastVisit: sql<string>`max(${visits.visitDate})::text`.as('last_visit')
		})
		.from(visits)
		.where(eq(visits.voided, false))
		.groupBy(visits.patientId)
		.as('stats');
	const [rows, [total]] = await Promise.all([
		db
			.select({
				id: patients.id,
				clinicRef: patients.clinicRef,
				name: patients.name,
				conditionLabel: conditions.label,
				archived: patients.archived,
				visitCount: sql<number>`coalesce(${stats.visitCount}, 0)`,
				lastVisit: stats.lastVisit
			})
			.from(patients)
			.innerJoin(conditions, eq(conditions.code, patients.conditionCode))
			.leftJoin(stats, eq(stats.patientId, patients.id))
			.where(where)
			.orderBy(sql`${stats.lastVisit} desc nulls last`, asc(patients.clinicRef))
			.limit(pageSize)
			.offset((page - 1) * pageSize),
		db.select({ n: count() }).from(patients).where(where)
	]);
	return { rows: rows as PatientListRow[], total: total?.n ?? 0, page, pageSize };
}

export function listConditions(db: Db, includeInactive = false) {
	return db
		.select({ code: conditions.code, label: conditions.label, active: conditions.active, keyOutcomes: conditions.keyOutcomes })
		.from(conditions)
		.where(includeInactive ? undefined : eq(conditions.active, true))
		.orderBy(sql`${conditions.code} = 'other'`, asc(conditions.label));
}

/** Admins add conditions; a code is derived from the label when none is given. */
export async function addCondition(db: Db, actor: Actor, input: { code: string; label: string }): Promise<WriteResult<string>> {
	try {
		await db.transaction(async (tx) => {
			await tx.insert(conditions).values(input);
			await appendAudit(tx, { actorId: actor.id, action: 'create', entity: 'condition', entityId: input.code, after: input, requestId: actor.requestId });
		});
		return { ok: true, value: input.code };
	} catch (err) {
		if (isUniqueViolation(err)) return { ok: false, field: 'label', message: 'This condition is already in the list.' };
		throw err;
	}
}

/**
 * Raw-SQL conditions on patients aliased `p`: condition codes (none = all) and an enrolment range.
 * Shared by cohort statistics and exports so both select the same patients for the same filters.
 */
export function patientSelection(f: { conditions: string[]; enrolledFrom?: string; enrolledTo?: string }): SQL[] {
	const parts: SQL[] = [];
	if (f.conditions.length > 0) parts.push(sql`p.condition_code in (${sql.join(f.conditions.map((c) => sql`${c}`), sql`, `)})`);
	if (f.enrolledFrom) parts.push(sql`p.enrolled_on >= ${f.enrolledFrom}::date`);
	if (f.enrolledTo) parts.push(sql`p.enrolled_on <= ${f.enrolledTo}::date`);
	return parts;
}
