/**
 * Follow-up schedules per condition: read the current version, list the history, save a new
 * version (never an update: migration 0022 refuses those). The due list and the per-condition
 * completion matrix are in due.ts and completion.ts.
 */
import { asc, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db';
import { conditions, followUpSchedulePoints, followUpSchedules, users } from '../db/schema';
import { appendAudit } from '../audit';
import { isUniqueViolation } from '../errors';
import type { Actor } from '../users';
import type { WriteResult } from '../patients';
import type { Schedule } from '../../schedule';

export { dueList, type DueRow, type DueList } from './due';
export { conditionCompletion, type CompletionCell, type ConditionCompletion } from './completion';

export interface StoredSchedule extends Schedule {
	id: string;
	version: number;
	createdAt: Date;
	createdBy: string | null;
}

async function pointsOf(db: Db, ids: string[]): Promise<Map<string, Schedule['points']>> {
	const map = new Map<string, Schedule['points']>();
	if (ids.length === 0) return map;
	const rows = await db
		.select({ scheduleId: followUpSchedulePoints.scheduleId, week: followUpSchedulePoints.week, instruments: followUpSchedulePoints.instruments })
		.from(followUpSchedulePoints)
		.where(inArray(followUpSchedulePoints.scheduleId, ids))
		.orderBy(asc(followUpSchedulePoints.week));
	for (const r of rows) {
		const list = map.get(r.scheduleId) ?? [];
		list.push({ week: r.week, instruments: r.instruments });
		map.set(r.scheduleId, list);
	}
	return map;
}

/** Every version of a condition's schedule, newest first (the first is the current one). */
export async function scheduleVersions(db: Db, conditionCode: string): Promise<StoredSchedule[]> {
	const rows = await db
		.select({
			id: followUpSchedules.id,
			version: followUpSchedules.version,
			windowWeeks: followUpSchedules.windowWeeks,
			repeatEveryWeeks: followUpSchedules.repeatEveryWeeks,
			createdAt: followUpSchedules.createdAt,
			createdBy: users.email
		})
		.from(followUpSchedules)
		.leftJoin(users, eq(users.id, followUpSchedules.createdBy))
		.where(eq(followUpSchedules.conditionCode, conditionCode))
		.orderBy(desc(followUpSchedules.version));
	const points = await pointsOf(db, rows.map((r) => r.id));
	return rows.map((r) => ({ ...r, points: points.get(r.id) ?? [] }));
}

/** The current schedule of a condition, or null when none was ever set (or the last version has no points). */
export async function currentSchedule(db: Db, conditionCode: string): Promise<StoredSchedule | null> {
	const [row] = await db
		.select({ id: followUpSchedules.id, version: followUpSchedules.version, windowWeeks: followUpSchedules.windowWeeks, repeatEveryWeeks: followUpSchedules.repeatEveryWeeks, createdAt: followUpSchedules.createdAt, createdBy: followUpSchedules.createdBy })
		.from(followUpSchedules)
		.where(eq(followUpSchedules.conditionCode, conditionCode))
		.orderBy(desc(followUpSchedules.version))
		.limit(1);
	if (!row) return null;
	const points = (await pointsOf(db, [row.id])).get(row.id) ?? [];
	return points.length === 0 ? null : { ...row, points };
}

/** Every condition with its current schedule (or none), for the admin list. */
export async function scheduleOverview(db: Db) {
	const current = db
		.selectDistinctOn([followUpSchedules.conditionCode], {
			id: followUpSchedules.id,
			conditionCode: followUpSchedules.conditionCode,
			version: followUpSchedules.version,
			windowWeeks: followUpSchedules.windowWeeks,
			repeatEveryWeeks: followUpSchedules.repeatEveryWeeks
		})
		.from(followUpSchedules)
		.orderBy(followUpSchedules.conditionCode, desc(followUpSchedules.version))
		.as('current');
	const rows = await db
		.select({ code: conditions.code, label: conditions.label, active: conditions.active, id: current.id, version: current.version, windowWeeks: current.windowWeeks, repeatEveryWeeks: current.repeatEveryWeeks })
		.from(conditions)
		.leftJoin(current, eq(current.conditionCode, conditions.code))
		.orderBy(sql`${conditions.code} = 'other'`, asc(conditions.label));
	const points = await pointsOf(db, rows.flatMap((r) => (r.id ? [r.id] : [])));
	return rows.map((r) => ({ code: r.code, label: r.label, active: r.active, version: r.version ?? 0, windowWeeks: r.windowWeeks ?? 0, repeatEveryWeeks: r.repeatEveryWeeks, points: r.id ? (points.get(r.id) ?? []) : [] }));
}

const asAudit = (s: Schedule | null) => (s ? { windowWeeks: s.windowWeeks, repeatEveryWeeks: s.repeatEveryWeeks, points: s.points } : null);

/**
 * Saves a new version of a condition's schedule; `expectedVersion` is the version the admin
 * edited (0 for none), so two admins saving at once cannot both win. An empty list of points
 * removes the schedule (as a version of its own). The version and its audit row are one transaction.
 */
export async function saveSchedule(db: Db, actor: Actor, conditionCode: string, expectedVersion: number, schedule: Schedule): Promise<WriteResult<number>> {
	try {
		return await db.transaction(async (tx) => {
			const [condition] = await tx.select({ code: conditions.code }).from(conditions).where(eq(conditions.code, conditionCode));
			if (!condition) return { ok: false, field: 'condition', message: 'No such condition.' };
			const versions = await tx
				.select({ id: followUpSchedules.id, version: followUpSchedules.version, windowWeeks: followUpSchedules.windowWeeks, repeatEveryWeeks: followUpSchedules.repeatEveryWeeks })
				.from(followUpSchedules)
				.where(eq(followUpSchedules.conditionCode, conditionCode))
				.orderBy(desc(followUpSchedules.version))
				.limit(1);
			const previous = versions[0];
			if ((previous?.version ?? 0) !== expectedVersion) return conflict();
			const before = previous ? { ...previous, points: (await pointsOf(tx, [previous.id])).get(previous.id) ?? [] } : null;
			const version = expectedVersion + 1;
			const [row] = await tx
				.insert(followUpSchedules)
				.values({ conditionCode, version, windowWeeks: schedule.windowWeeks, repeatEveryWeeks: schedule.repeatEveryWeeks, createdBy: actor.id })
				.returning({ id: followUpSchedules.id });
			if (schedule.points.length > 0) {
				await tx.insert(followUpSchedulePoints).values(schedule.points.map((p) => ({ scheduleId: row!.id, conditionCode, week: p.week, instruments: p.instruments })));
			}
			await appendAudit(tx, {
				actorId: actor.id,
				action: previous ? 'update' : 'create',
				entity: 'follow_up_schedule',
				entityId: conditionCode,
				before: before && before.points.length > 0 ? { version: before.version, ...asAudit(before) } : null,
				after: { version, ...asAudit(schedule) },
				requestId: actor.requestId
			});
			return { ok: true, value: version };
		});
	} catch (err) {
		if (isUniqueViolation(err)) return conflict();
		throw err;
	}
}

function conflict(): WriteResult<number> {
	return { ok: false, field: 'form', message: 'Someone else changed this schedule while you were editing. Reload the page to see their version, then make your change again.' };
}
