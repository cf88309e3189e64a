import { sql } from 'drizzle-orm';
import { bigint, check, date, doublePrecision, index, integer, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { patients } from './clinical';

/** One count: how many patients have `value` at this scale, condition, series, point and measure. */
const countColumns = () => ({
	instrumentId: text('instrument_id').notNull(),
	scale: text('scale').notNull(),
	conditionCode: text('condition_code').notNull(),
	series: text('series').notNull(),
	x: integer('x').notNull(),
	measure: text('measure').notNull(),
	value: doublePrecision('value').notNull(),
	n: integer('n').notNull()
});

/**
 * Cohort statistics kept ready: for every instrument scale, condition, series (`visit`, `week1`,
 * `week2`, `week4`, `latest`), time point and measure (`score`, `change`), how many patients have
 * each exact value. Means, SDs and exact percentiles come from these counts. Together with the
 * differences pending in scale_histogram_delta, which every clinical write appends in its own
 * transaction (see server/cohort/rollup.ts), it is never stale.
 */
export const scaleHistogram = pgTable(
	'scale_histogram',
	countColumns(),
	(t) => [
		primaryKey({ columns: [t.instrumentId, t.scale, t.series, t.measure, t.conditionCode, t.x, t.value] }),
		// A count below zero means a write removed more than it added: refuse it rather than drift.
		check('scale_histogram_n_nonnegative', sql`${t.n} >= 0`)
	]
);

/**
 * Changes to the histogram not yet folded into it: each write appends its signed differences here
 * (no row is shared, so concurrent writes never wait for each other); readers add them to the
 * histogram, and `foldRollupDeltas` moves them into it from time to time.
 */
export const scaleHistogramDelta = pgTable(
	'scale_histogram_delta',
	{
		id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
		...countColumns()
	},
	(t) => [index('scale_histogram_delta_chart_idx').on(t.instrumentId, t.scale, t.series, t.measure), check('scale_histogram_delta_n_nonzero', sql`${t.n} <> 0`)]
);

/** When the histogram was last rebuilt from the raw tables (one row; empty = build it at start-up). */
export const rollupState = pgTable('rollup_state', {
	name: text('name').primaryKey(),
	version: integer('version').notNull(),
	builtAt: timestamp('built_at', { withTimezone: true }).notNull().defaultNow()
});

/**
 * Each patient's series on each instrument scale, as the rollup's points define it (non-voided
 * visits with a value, in visit date, then entry order): how many values, the first (baseline)
 * and the last, with the last one's place in that order. A new visit after the last needs only
 * this row to know what it changes in the histogram (server/cohort/rollup.ts), instead of reading
 * the patient's whole history. Kept in the same transaction as every write that moves a point.
 */
export const patientSeries = pgTable(
	'patient_series',
	{
		patientId: uuid('patient_id')
			.notNull()
			.references(() => patients.id),
		instrumentId: text('instrument_id').notNull(),
		scale: text('scale').notNull(),
		n: integer('n').notNull(),
		baseValue: doublePrecision('base_value').notNull(),
		baseDate: date('base_date', { mode: 'string' }).notNull(),
		lastValue: doublePrecision('last_value').notNull(),
		lastDate: date('last_date', { mode: 'string' }).notNull(),
		lastCreatedAt: timestamp('last_created_at', { withTimezone: true }).notNull(),
		lastVisitId: uuid('last_visit_id').notNull()
	},
	(t) => [primaryKey({ columns: [t.patientId, t.instrumentId, t.scale] }), check('patient_series_n_positive', sql`${t.n} >= 1`)]
);
