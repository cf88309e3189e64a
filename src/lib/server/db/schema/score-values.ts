/**
 * Every scored value of a live (non-voided) visit, by patient, instrument, scale and date: what the
 * evidence report (issue 20) reads for its follow-up values — one index range per patient and
 * outcome instead of the visits → responses → scores chain (docs/performance.md, "Evidence
 * report"). Kept exact by the database (migration `score_values`): statement triggers on visits,
 * responses and response_scores add the new scores and recompute the rows of the patients any
 * other change touched, in that statement's transaction, whoever writes (the app, the import, the
 * seed, plain SQL). Nothing here is a record: every row can be rebuilt from the base tables
 * (score_values_refresh). One live visit per patient and date (visits_one_live_per_date) and one
 * score per response and scale make the key unique.
 */
import { doublePrecision, date, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { patients } from './clinical';

export const scoreValues = pgTable(
	'score_values',
	{
		patientId: uuid('patient_id')
			.notNull()
			.references(() => patients.id, { onDelete: 'cascade' }),
		instrumentId: text('instrument_id').notNull(),
		scale: text('scale').notNull(),
		visitDate: date('visit_date', { mode: 'string' }).notNull(),
		// Never null: unscorable scales (null scores) have no row.
		value: doublePrecision('value').notNull()
	},
	// The database's key also carries the value (INCLUDE, which drizzle cannot declare), so the
	// report's lookups are index-only.
	(t) => [primaryKey({ columns: [t.patientId, t.instrumentId, t.scale, t.visitDate] })]
);
