/**
 * Per-patient summaries that the safety figures read instead of every visit and score
 * (docs/safety.md, "How the figures are computed"). They are kept exact by the database: statement
 * triggers on visits, responses, response_scores and flare_episodes (migration
 * `safety_summaries_rules`) recompute the rows of the patients a statement touched, in that
 * statement's transaction (and a change of a patient's condition), whoever writes (the app, the import, the seed, plain SQL). Nothing
 * here is a record: every row can be rebuilt from the base tables (safety_summaries_refresh).
 */
import { sql } from 'drizzle-orm';
import { check, date, doublePrecision, integer, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { patients } from './clinical';

/** One row per patient with at least one live (non-voided) visit: the figures' cohort. */
export const patientSafetySummary = pgTable(
	'patient_safety_summary',
	{
		patientId: uuid('patient_id')
			.primaryKey()
			.references(() => patients.id, { onDelete: 'cascade' }),
		// The patient's condition, copied so that the figures read this table alone (kept by the
		// trigger on patients too).
		conditionCode: text('condition_code').notNull(),
		visits: integer('visits').notNull(),
		sessions: integer('sessions').notNull(),
		// Live visits at which the adverse-event question was asked (answer 'none' or 'yes').
		asked: integer('asked').notNull(),
		baseline: date('baseline', { mode: 'string' }).notNull(),
		lastVisit: date('last_visit', { mode: 'string' }).notNull(),
		// Live flares with onset from the baseline to the last live visit: before day EARLY_DAYS
		// (84, $lib/safety/rates) of the baseline, and from it on.
		earlyFlares: integer('early_flares').notNull(),
		laterFlares: integer('later_flares').notNull()
	},
	(t) => [check('patient_safety_summary_visits_positive', sql`${t.visits} >= 1`)]
);

/**
 * Per patient with follow-up (last live visit after the baseline) and month in treatment: the live
 * flare onsets from the baseline to the last live visit, by the month $lib/safety/flare-trend's
 * onsetMonth gives (⌊days / MONTH_DAYS⌋, never past the patient's last month with time).
 */
export const patientFlareMonths = pgTable(
	'patient_flare_months',
	{
		patientId: uuid('patient_id')
			.notNull()
			.references(() => patients.id, { onDelete: 'cascade' }),
		conditionCode: text('condition_code').notNull(),
		month: integer('month').notNull(),
		onsets: integer('onsets').notNull()
	},
	(t) => [primaryKey({ columns: [t.patientId, t.month] })]
);

/**
 * Per patient and stress instrument (PSS-10, GAD-7): the total scores at live visits that have a
 * next live visit, split by whether a live flare began after the visit and on or before the next
 * one — count and sum of each kind. The patient's difference of means is then
 * flared_sum / flared_visits − other_sum / other_visits, when both counts are above 0.
 */
export const patientStressFlare = pgTable(
	'patient_stress_flare',
	{
		patientId: uuid('patient_id')
			.notNull()
			.references(() => patients.id, { onDelete: 'cascade' }),
		conditionCode: text('condition_code').notNull(),
		instrumentId: text('instrument_id').notNull(),
		flaredVisits: integer('flared_visits').notNull(),
		flaredSum: doublePrecision('flared_sum').notNull(),
		otherVisits: integer('other_visits').notNull(),
		otherSum: doublePrecision('other_sum').notNull()
	},
	(t) => [primaryKey({ columns: [t.patientId, t.instrumentId] })]
);
