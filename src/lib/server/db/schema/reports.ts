/**
 * Evidence (issue 20): pre-registered analysis plans and the published effects a report shows
 * beside the clinic's own.
 *
 * A plan is a lineage of versions (`plan_id` is the first version's id). A version is a draft
 * (editable) until it is locked: then its canonical JSON, that text's SHA-256, who locked it, when,
 * and how many patients already had a follow-up value are fixed. A locked version never changes
 * again except to be superseded, once, by the next version with a reason (trigger
 * `analysis_plan_versions_frozen`, migration 0026_analysis_plans_rules): the database refuses anything else, however
 * the row is written. The CHECKs let anyone recompute the hash from the stored canonical text.
 */
import { sql } from 'drizzle-orm';
import { boolean, check, doublePrecision, foreignKey, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from './auth';
import { conditions, instrumentScales } from './clinical';
import { visibleTextCheck } from './visible-text';

export const PLAN_STATUSES = ['draft', 'locked', 'superseded'] as const;
export type PlanStatus = (typeof PLAN_STATUSES)[number];

export const analysisPlanVersions = pgTable(
	'analysis_plan_versions',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		/** The plan (lineage): its first version's id. */
		planId: uuid('plan_id').notNull(),
		version: integer('version').notNull(),
		body: jsonb('body').notNull(),
		status: text('status', { enum: PLAN_STATUSES }).notNull().default('draft'),
		/** Set at lock: the body as canonical JSON (sorted keys, no spaces), the text that is hashed. */
		canonical: text('canonical'),
		sha256: text('sha256'),
		lockedBy: uuid('locked_by').references(() => users.id),
		lockedAt: timestamp('locked_at', { withTimezone: true }),
		/** Patients who already had a follow-up value for the primary outcome when the plan was locked. */
		followupsAtLock: integer('followups_at_lock'),
		supersededBy: uuid('superseded_by'),
		supersededReason: text('superseded_reason'),
		supersededAt: timestamp('superseded_at', { withTimezone: true }),
		createdBy: uuid('created_by').references(() => users.id),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
		updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		uniqueIndex('analysis_plan_versions_plan_version_key').on(t.planId, t.version),
		// One live version per plan: every earlier one is superseded.
		uniqueIndex('analysis_plan_versions_one_live').on(t.planId).where(sql`${t.status} <> 'superseded'`),
		index('analysis_plan_versions_created_idx').on(t.createdAt),
		foreignKey({ name: 'analysis_plan_versions_superseded_by_fk', columns: [t.supersededBy], foreignColumns: [t.id] }),
		check('analysis_plan_versions_status_known', sql`${t.status} in ('draft', 'locked', 'superseded')`),
		check('analysis_plan_versions_version_positive', sql`${t.version} >= 1`),
		check('analysis_plan_versions_first_is_plan', sql`(${t.version} = 1) = (${t.planId} = ${t.id})`),
		check(
			'analysis_plan_versions_body_shape',
			sql`jsonb_typeof(${t.body}) = 'object' and jsonb_typeof(${t.body} -> 'title') = 'string' and jsonb_typeof(${t.body} -> 'conditions') = 'array' and jsonb_typeof(${t.body} -> 'primary') = 'object' and jsonb_typeof(${t.body} -> 'timepoint') = 'object' and ${t.body} ->> 'primary_population' in ('completers', 'carried_forward')`
		),
		// A draft has nothing of a lock; a locked or superseded version has all of it, and its hash is its canonical text's.
		check(
			'analysis_plan_versions_lock_complete',
			sql`case when ${t.status} = 'draft' then ${t.canonical} is null and ${t.sha256} is null and ${t.lockedBy} is null and ${t.lockedAt} is null and ${t.followupsAtLock} is null
				else ${t.canonical} is not null and ${t.lockedBy} is not null and ${t.lockedAt} is not null and ${t.followupsAtLock} >= 0
					and ${t.sha256} = encode(sha256(convert_to(${t.canonical}, 'UTF8')), 'hex') and ${t.canonical}::jsonb = ${t.body} end`
		),
		check(
			'analysis_plan_versions_superseded_complete',
			sql`(${t.status} = 'superseded') = (${t.supersededBy} is not null) and (${t.supersededBy} is null) = (${t.supersededAt} is null)
				and (${t.supersededBy} is null) = (${t.supersededReason} is null)`
		),
		check('analysis_plan_versions_reason_text', sql`${t.supersededReason} is null or (length(trim(${t.supersededReason})) between 1 and 2000 and ${visibleTextCheck(t.supersededReason)})`)
	]
);

export const REFERENCE_MEASURES = ['mean_change', 'smd'] as const;
export type ReferenceMeasure = (typeof REFERENCE_MEASURES)[number];

/** Published results an administrator enters (none are built in); never deleted, withdrawn with a reason. */
export const referenceEffects = pgTable(
	'reference_effects',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		citation: text('citation').notNull(),
		population: text('population').notNull(),
		/** The condition it applies to, when one. */
		conditionCode: text('condition_code').references(() => conditions.code),
		instrumentId: text('instrument_id').notNull(),
		scale: text('scale').notNull(),
		/** mean_change: in the scale's units (follow-up − baseline); smd: a standardised mean difference. */
		measure: text('measure', { enum: REFERENCE_MEASURES }).notNull(),
		effect: doublePrecision('effect').notNull(),
		ciLow: doublePrecision('ci_low').notNull(),
		ciHigh: doublePrecision('ci_high').notNull(),
		withdrawn: boolean('withdrawn').notNull().default(false),
		withdrawnReason: text('withdrawn_reason'),
		createdBy: uuid('created_by').references(() => users.id),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		index('reference_effects_outcome_idx').on(t.instrumentId, t.scale),
		foreignKey({ name: 'reference_effects_scale_fk', columns: [t.instrumentId, t.scale], foreignColumns: [instrumentScales.instrumentId, instrumentScales.scale] }),
		check('reference_effects_measure_known', sql`${t.measure} in ('mean_change', 'smd')`),
		check('reference_effects_citation_text', sql`length(trim(${t.citation})) between 1 and 500 and ${visibleTextCheck(t.citation)}`),
		check('reference_effects_population_text', sql`length(trim(${t.population})) between 1 and 300 and ${visibleTextCheck(t.population)}`),
		check(
			'reference_effects_interval',
			sql`${t.ciLow} <= ${t.effect} and ${t.effect} <= ${t.ciHigh} and abs(${t.ciLow}) < 1e6 and abs(${t.ciHigh}) < 1e6 and ${t.ciLow} <> 'NaN'::float8 and ${t.ciHigh} <> 'NaN'::float8 and ${t.effect} <> 'NaN'::float8`
		),
		check(
			'reference_effects_withdrawn_reason',
			sql`(${t.withdrawn} and length(trim(coalesce(${t.withdrawnReason}, ''))) between 1 and 2000) or (not ${t.withdrawn} and ${t.withdrawnReason} is null)`
		)
	]
);
