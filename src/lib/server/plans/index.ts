/**
 * Analysis plans (issue 20): written as a draft, edited while a draft, locked, then superseded by
 * a new version with a reason. Locking fixes the canonical JSON and its SHA-256, who and when, and
 * how many patients already had a follow-up value, and writes all of it to the audit chain. The
 * database refuses any change to a locked version but its supersession (schema/reports.ts).
 *
 * A plan's id is its first version's id; the plan's versions are numbered 1, 2, …; at most one is
 * not superseded (the live one). Every write is one transaction with its audit row.
 */
import { createHash } from 'node:crypto';
import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db';
import { analysisPlanVersions, users, type PlanStatus } from '../db/schema';
import { appendAudit } from '../audit';
import { isUuid } from '../../validation/ids';
import { canonicalPlanJson } from '../../reports/canonical';
import type { PlanBody } from '../../reports/types';
import type { Actor } from '../users';
import { keepPanel } from '../reports/panel';

const ENTITY = 'analysis_plan';

export interface PlanVersion {
	id: string;
	planId: string;
	version: number;
	body: PlanBody;
	status: PlanStatus;
	sha256: string | null;
	lockedAt: Date | null;
	lockedBy: string | null;
	followupsAtLock: number | null;
	supersededReason: string | null;
	supersededAt: Date | null;
	createdAt: Date;
	createdBy: string | null;
}

/** A refusal the API answers with its status: no such plan (404), or not in the state the step needs (409). */
export type PlanRefusal = { ok: false; status: 404 | 409; message: string };

const columns = {
	id: analysisPlanVersions.id,
	planId: analysisPlanVersions.planId,
	version: analysisPlanVersions.version,
	body: analysisPlanVersions.body,
	status: analysisPlanVersions.status,
	sha256: analysisPlanVersions.sha256,
	lockedAt: analysisPlanVersions.lockedAt,
	lockedBy: sql<string | null>`(select name from ${users} where ${users.id} = ${analysisPlanVersions.lockedBy})`,
	followupsAtLock: analysisPlanVersions.followupsAtLock,
	supersededReason: analysisPlanVersions.supersededReason,
	supersededAt: analysisPlanVersions.supersededAt,
	createdAt: analysisPlanVersions.createdAt,
	createdBy: sql<string | null>`(select name from ${users} where ${users.id} = ${analysisPlanVersions.createdBy})`
};

const NOT_FOUND: PlanRefusal = { ok: false, status: 404, message: 'No such analysis plan.' };

/** Every version of a plan, oldest first (empty: no such plan). */
export async function planVersions(db: Db, planId: string): Promise<PlanVersion[]> {
	if (!isUuid(planId)) return [];
	const rows = await db.select(columns).from(analysisPlanVersions).where(eq(analysisPlanVersions.planId, planId)).orderBy(asc(analysisPlanVersions.version));
	return rows as PlanVersion[];
}

/** The live version (the one not superseded), or a given version. */
export async function getPlanVersion(db: Db, planId: string, version?: number): Promise<PlanVersion | undefined> {
	if (!isUuid(planId)) return undefined;
	const which = version === undefined ? sql`${analysisPlanVersions.status} <> 'superseded'` : eq(analysisPlanVersions.version, version);
	const [row] = await db.select(columns).from(analysisPlanVersions).where(and(eq(analysisPlanVersions.planId, planId), which));
	return row as PlanVersion | undefined;
}

/** The newest locked version (live or superseded): the one a report is made from. */
export async function latestLockedVersion(db: Db, planId: string): Promise<PlanVersion | undefined> {
	if (!isUuid(planId)) return undefined;
	const [row] = await db
		.select(columns)
		.from(analysisPlanVersions)
		.where(and(eq(analysisPlanVersions.planId, planId), inArray(analysisPlanVersions.status, ['locked', 'superseded'])))
		.orderBy(desc(analysisPlanVersions.version))
		.limit(1);
	return row as PlanVersion | undefined;
}

export interface PlanListRow {
	planId: string;
	title: string;
	version: number;
	status: PlanStatus;
	versions: number;
	lockedAt: Date | null;
	createdBy: string | null;
	updatedAt: Date;
}

/** Each plan's live version, newest first. */
export async function listPlans(db: Db): Promise<PlanListRow[]> {
	const rows = await db
		.select({
			planId: analysisPlanVersions.planId,
			title: sql<string>`${analysisPlanVersions.body} ->> 'title'`,
			version: analysisPlanVersions.version,
			status: analysisPlanVersions.status,
			versions: analysisPlanVersions.version,
			lockedAt: analysisPlanVersions.lockedAt,
			createdBy: columns.createdBy,
			updatedAt: analysisPlanVersions.updatedAt
		})
		.from(analysisPlanVersions)
		.where(sql`${analysisPlanVersions.status} <> 'superseded'`)
		.orderBy(desc(analysisPlanVersions.updatedAt), desc(analysisPlanVersions.id))
		.limit(500);
	return rows as PlanListRow[];
}

/** A new plan, version 1, as a draft. */
export async function createPlan(db: Db, actor: Actor, body: PlanBody): Promise<{ id: string; version: number }> {
	const id = crypto.randomUUID();
	await db.transaction(async (tx) => {
		await tx.insert(analysisPlanVersions).values({ id, planId: id, version: 1, body, createdBy: actor.id });
		await appendAudit(tx, { actorId: actor.id, action: 'create', entity: ENTITY, entityId: id, after: { version: 1, status: 'draft', plan: body }, requestId: actor.requestId });
	});
	return { id, version: 1 };
}

/** The live version, locked for the rest of the transaction (null: no such plan). */
async function liveForUpdate(tx: Db, planId: string) {
	if (!isUuid(planId)) return null;
	const [row] = await tx
		.select({ id: analysisPlanVersions.id, version: analysisPlanVersions.version, status: analysisPlanVersions.status, body: analysisPlanVersions.body })
		.from(analysisPlanVersions)
		.where(and(eq(analysisPlanVersions.planId, planId), sql`${analysisPlanVersions.status} <> 'superseded'`))
		.for('update');
	return row ?? null;
}

/** A draft's body replaced (the old body kept in the audit row). A locked plan is refused: it takes a new version. */
export async function updateDraft(db: Db, actor: Actor, planId: string, body: PlanBody): Promise<{ ok: true; version: number } | PlanRefusal> {
	return db.transaction(async (tx) => {
		const live = await liveForUpdate(tx, planId);
		if (!live) return NOT_FOUND;
		if (live.status !== 'draft') return { ok: false, status: 409, message: `Version ${live.version} is locked and cannot change: write a new version with a reason.` } as const;
		await tx.update(analysisPlanVersions).set({ body, updatedAt: new Date() }).where(eq(analysisPlanVersions.id, live.id));
		await appendAudit(tx, { actorId: actor.id, action: 'update', entity: ENTITY, entityId: planId, before: { version: live.version, plan: live.body }, after: { version: live.version, plan: body }, requestId: actor.requestId });
		return { ok: true, version: live.version } as const;
	});
}

export interface LockRecord {
	version: number;
	sha256: string;
	lockedAt: Date;
	followupsAtLock: number;
}

/** Locks the live draft: canonical JSON, its SHA-256, who, when, and the follow-ups already recorded, into the row and the audit chain. */
export async function lockPlan(db: Db, actor: Actor & { id: string }, planId: string): Promise<({ ok: true } & LockRecord) | PlanRefusal> {
	return db.transaction(async (tx) => {
		const live = await liveForUpdate(tx, planId);
		if (!live) return NOT_FOUND;
		if (live.status !== 'draft') return { ok: false, status: 409, message: `Version ${live.version} is already locked.` } as const;
		const body = live.body as PlanBody;
		const canonical = canonicalPlanJson(body);
		const sha256 = createHash('sha256').update(canonical, 'utf8').digest('hex');
		const lockedAt = new Date();
		// The report's panel, kept from now on by the database; it counts the follow-ups already recorded.
		const { followups: followupsAtLock } = await keepPanel(tx, live.id, body);
		await tx
			.update(analysisPlanVersions)
			.set({ status: 'locked', canonical, sha256, lockedBy: actor.id, lockedAt, followupsAtLock, updatedAt: lockedAt })
			.where(eq(analysisPlanVersions.id, live.id));
		await appendAudit(tx, {
			actorId: actor.id,
			action: 'lock',
			entity: ENTITY,
			entityId: planId,
			before: { version: live.version, status: 'draft' },
			after: { version: live.version, status: 'locked', sha256, locked_at: lockedAt.toISOString(), locked_by: actor.id, followups_at_lock: followupsAtLock },
			requestId: actor.requestId
		});
		return { ok: true, version: live.version, sha256, lockedAt, followupsAtLock } as const;
	});
}

/** A new version (a draft) of a locked plan; the locked one is superseded with the reason. */
export async function supersedePlan(db: Db, actor: Actor, planId: string, body: PlanBody, reason: string): Promise<{ ok: true; id: string; version: number } | PlanRefusal> {
	return db.transaction(async (tx) => {
		const live = await liveForUpdate(tx, planId);
		if (!live) return NOT_FOUND;
		if (live.status === 'draft') return { ok: false, status: 409, message: `Version ${live.version} is still a draft: edit it, or lock it before writing a new version.` } as const;
		const id = crypto.randomUUID();
		const version = live.version + 1;
		const now = new Date();
		// The old version first (one live version per plan); the link to the new row is checked at commit.
		await tx.update(analysisPlanVersions).set({ status: 'superseded', supersededBy: id, supersededReason: reason, supersededAt: now, updatedAt: now }).where(eq(analysisPlanVersions.id, live.id));
		await tx.insert(analysisPlanVersions).values({ id, planId, version, body, createdBy: actor.id });
		await appendAudit(tx, {
			actorId: actor.id,
			action: 'supersede',
			entity: ENTITY,
			entityId: planId,
			before: { version: live.version, status: 'locked' },
			after: { version, status: 'draft', superseded_version: live.version, plan: body },
			reason,
			requestId: actor.requestId
		});
		return { ok: true, id: planId, version } as const;
	});
}
