import { sql } from 'drizzle-orm';
import { bigint, check, doublePrecision, index, integer, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

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
