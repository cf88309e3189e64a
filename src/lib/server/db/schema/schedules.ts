/**
 * Follow-up schedules: per condition, which instruments are due at which week after baseline
 * (the patient's enrolment date), within ± a window of weeks, and optionally the last time
 * point's instruments again every N weeks after it. An edit inserts a new version: rows are never
 * updated or deleted (trigger of the custom migration), so every earlier version stays readable;
 * the current schedule is the highest version. A version with no points means "no schedule".
 * The pure rules are in $lib/schedule; the CHECKs below mirror $lib/validation/schedule.
 */
import { sql } from 'drizzle-orm';
import { check, foreignKey, integer, pgTable, primaryKey, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { users } from './auth';
import { conditions } from './clinical';

export const followUpSchedules = pgTable(
	'follow_up_schedules',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		conditionCode: text('condition_code')
			.notNull()
			.references(() => conditions.code),
		version: integer('version').notNull(),
		windowWeeks: integer('window_weeks').notNull(),
		/** The last point's instruments again every this many weeks after it; null: no repetition. */
		repeatEveryWeeks: integer('repeat_every_weeks'),
		createdBy: uuid('created_by').references(() => users.id),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		unique('follow_up_schedules_condition_version_key').on(t.conditionCode, t.version),
		// Target of the points' composite key (a point belongs to one version of one condition).
		unique('follow_up_schedules_id_condition_key').on(t.id, t.conditionCode),
		check('follow_up_schedules_version_positive', sql`${t.version} >= 1`),
		check('follow_up_schedules_window_range', sql`${t.windowWeeks} between 0 and 12`),
		// Windows never overlap: two repeats are more than two windows apart.
		check('follow_up_schedules_repeat_range', sql`${t.repeatEveryWeeks} is null or (${t.repeatEveryWeeks} between 1 and 104 and ${t.repeatEveryWeeks} > 2 * ${t.windowWeeks})`)
	]
);

export const followUpSchedulePoints = pgTable(
	'follow_up_schedule_points',
	{
		scheduleId: uuid('schedule_id').notNull(),
		conditionCode: text('condition_code').notNull(),
		/** Weeks after baseline; 0 is the baseline itself. */
		week: integer('week').notNull(),
		instruments: text('instruments').array().notNull()
	},
	(t) => [
		primaryKey({ columns: [t.scheduleId, t.week] }),
		foreignKey({ name: 'follow_up_schedule_points_schedule_fk', columns: [t.scheduleId, t.conditionCode], foreignColumns: [followUpSchedules.id, followUpSchedules.conditionCode] }),
		check('follow_up_schedule_points_week_range', sql`${t.week} between 0 and 520`),
		check(
			'follow_up_schedule_points_instruments',
			sql`cardinality(${t.instruments}) between 1 and 20 and array_to_string(${t.instruments}, ',') ~ '^[a-z0-9_]{1,40}(,[a-z0-9_]{1,40})*$'`
		)
	]
);
