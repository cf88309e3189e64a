/**
 * The evidence report's panel kept for every locked plan version (issue 20, docs/performance.md,
 * "Evidence report: the panel kept per locked plan"). A locked version never changes, so what its
 * report reads per patient — the baseline and follow-up value of each outcome, whether the time
 * point is reached, the sessions up to it — can be kept as the data change, as the safety
 * summaries are, and the report reads one index range instead of computing it per request.
 *
 * `report_panels`: one row per locked version, the plan's choices the database needs (written at
 * lock, in the lock's transaction, never changed). `report_panel_rows`: one row per version and
 * patient of its conditions (every enrolment period: the period is applied as the report reads).
 * Both are kept exact by the database (migration `report_panels`): statement triggers on patients,
 * visits and score_values note the patients a statement touched, and their rows are recomputed at
 * the transaction's commit (report_panel_pending), whoever writes. Nothing here is a record: every row can be rebuilt from the base
 * tables (report_panel_fill), and the integration tests hold the rows equal to the statement the
 * report runs without them (src/lib/server/reports/panel.ts).
 */
import { sql } from 'drizzle-orm';
import { boolean, check, date, doublePrecision, index, integer, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { patients } from './clinical';
import { analysisPlanVersions } from './reports';

export const reportPanels = pgTable(
	'report_panels',
	{
		versionId: uuid('version_id')
			.primaryKey()
			.references(() => analysisPlanVersions.id),
		conditions: text('conditions').array().notNull(),
		/** The outcomes in report order (primary first): instruments[i] with scales[i]. */
		instruments: text('instruments').array().notNull(),
		scales: text('scales').array().notNull(),
		/** A weeks time point: the target, and the window's first and last day after baseline. */
		targetDay: integer('target_day'),
		fromDay: integer('from_day'),
		toDay: integer('to_day'),
		/** A visit-number time point (the baseline visit is 1). */
		visit: integer('visit')
	},
	(t) => [
		check('report_panels_outcomes', sql`cardinality(${t.instruments}) >= 1 and cardinality(${t.instruments}) = cardinality(${t.scales})`),
		check(
			'report_panels_timepoint',
			sql`(${t.visit} is null and ${t.targetDay} is not null and ${t.fromDay} is not null and ${t.toDay} is not null and ${t.fromDay} <= ${t.targetDay} and ${t.targetDay} <= ${t.toDay})
				or (${t.visit} >= 2 and ${t.targetDay} is null and ${t.fromDay} is null and ${t.toDay} is null)`
		)
	]
);

export const reportPanelRows = pgTable(
	'report_panel_rows',
	{
		versionId: uuid('version_id')
			.notNull()
			.references(() => reportPanels.versionId),
		patientId: uuid('patient_id')
			.notNull()
			.references(() => patients.id, { onDelete: 'cascade' }),
		conditionCode: text('condition_code').notNull(),
		sex: text('sex').notNull(),
		enrolledOn: date('enrolled_on', { mode: 'string' }).notNull(),
		/** Years at the primary outcome's baseline, or at enrolment without one. */
		age: integer('age'),
		/** Sessions at every live visit. */
		sessionsAll: integer('sessions_all').notNull(),
		/** Sessions after the primary outcome's baseline up to its time point (null without a baseline). */
		sessions: integer('sessions'),
		/** Per outcome (report order): the baseline value, the follow-up value (null inside when none). */
		base: doublePrecision('base').array().notNull(),
		fu: doublePrecision('fu').array().notNull(),
		/** Per outcome: reached by the visits recorded (a later visit on or after the window's start; the visit of that number). */
		reached: boolean('reached').array().notNull(),
		/** Per outcome (weeks): the day the window closes, from which the time point counts as reached without a visit. */
		due: date('due', { mode: 'string' }).array().notNull(),
		/**
		 * The row as the report reads it (src/lib/server/reports/panel.ts, readKeptPanel), written
		 * with it: sex, condition, age, sessions_all, sessions, enrolment quarter, enrolment date,
		 * then base, fu, reached (t/f per outcome) and due, tab-separated, arrays comma-separated.
		 */
		line: text('line').notNull()
	},
	// By version for the report's read; by patient for the refresh, which replaces a patient's rows of every version.
	(t) => [primaryKey({ columns: [t.versionId, t.patientId] }), index('report_panel_rows_patient_idx').on(t.patientId)]
);

/**
 * The patients a transaction has changed, while kept versions exist: the statement triggers note
 * them here, and at commit (a deferred constraint trigger) their rows are recomputed once and the
 * notes removed, so a visit saved with its scores (several statements, several tables) costs one
 * recomputation, not one per statement. Empty outside a writing transaction.
 */
export const reportPanelPending = pgTable('report_panel_pending', {
	patientId: uuid('patient_id').primaryKey()
});
