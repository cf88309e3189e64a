import { sql } from 'drizzle-orm';
import { visibleTextCheck } from './visible-text';
import { instrumentDefinitions } from './instruments';
import {
	boolean,
	check,
	date,
	doublePrecision,
	foreignKey,
	index,
	integer,
	jsonb,
	pgTable,
	primaryKey,
	text,
	timestamp,
	unique,
	uniqueIndex,
	uuid
} from 'drizzle-orm/pg-core';
import { users } from './auth';
import { AE_ANSWERS } from '../../../safety/codes';

export const SEXES = ['female', 'male', 'other', 'unknown'] as const;
export const VISIT_KINDS = ['baseline', 'treatment', 'follow_up'] as const;
export const FLARE_ANSWERS = ['yes', 'no', 'unknown'] as const;
/** Who gave a response's answers: a clinician transcribing, or the patient on the tablet or by link. */
export const RESPONSE_SOURCES = ['clinician', 'patient_tablet', 'patient_link'] as const;
export type ResponseSource = (typeof RESPONSE_SOURCES)[number];

/** Seeded by migration; admins add more. Never deleted (patients point at them). */
export const conditions = pgTable(
	'conditions',
	{
		code: text('code').primaryKey(),
		label: text('label').notNull(),
		active: boolean('active').notNull().default(true),
		/** The scales the patient page opens first for this condition, as 'instrument:scale'. */
		keyOutcomes: text('key_outcomes').array().notNull().default(sql`'{}'::text[]`),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		check('conditions_code_format', sql`${t.code} ~ '^[a-z][a-z0-9_]{0,39}$'`),
		check('conditions_key_outcomes_format', sql`cardinality(${t.keyOutcomes}) <= 20 and array_to_string(${t.keyOutcomes}, ',') ~ '^([a-z0-9_]{1,40}:[a-z0-9_]{1,40}(,|$))*$'`),
		check('conditions_label_present', sql`length(trim(${t.label})) between 1 and 120`),
		uniqueIndex('conditions_label_key').on(sql`lower(${t.label})`)
	]
);

export const patients = pgTable(
	'patients',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		clinicRef: text('clinic_ref').notNull(),
		// Identifying fields: only these two, never exported.
		name: text('name').notNull(),
		dateOfBirth: date('date_of_birth').notNull(),
		sex: text('sex', { enum: SEXES }).notNull(),
		conditionCode: text('condition_code')
			.notNull()
			.references(() => conditions.code),
		enrolledOn: date('enrolled_on').notNull(),
		archived: boolean('archived').notNull().default(false),
		version: integer('version').notNull().default(1),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
		updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		uniqueIndex('patients_clinic_ref_key').on(sql`lower(${t.clinicRef})`),
		index('patients_condition_idx').on(t.conditionCode),
		check('patients_ref_format', sql`length(trim(${t.clinicRef})) between 1 and 40 and ${t.clinicRef} = trim(${t.clinicRef})`),
		check('patients_name_present', sql`length(trim(${t.name})) between 1 and 200`),
		check('patients_text_visible', sql`${visibleTextCheck(t.clinicRef)} and ${visibleTextCheck(t.name)}`),
		check('patients_sex_known', sql`${t.sex} in ('female', 'male', 'other', 'unknown')`),
		check('patients_dob_plausible', sql`${t.dateOfBirth} >= date '1900-01-01'`),
		check('patients_enrolled_after_birth', sql`${t.enrolledOn} >= ${t.dateOfBirth}`),
		check('patients_version_positive', sql`${t.version} >= 1`)
	]
);

export const visits = pgTable(
	'visits',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		patientId: uuid('patient_id')
			.notNull()
			.references(() => patients.id),
		visitDate: date('visit_date').notNull(),
		kind: text('kind', { enum: VISIT_KINDS }).notNull(),
		acupunctureSessions: integer('acupuncture_sessions').notNull(),
		// The old yes/no answer, kept readable; flare episodes (schema/safety.ts) replace it.
		flare: text('flare', { enum: FLARE_ANSWERS }).notNull().default('unknown'),
		// "Adverse events since the last visit?": none / yes / not asked (older visits: not asked).
		aeAnswer: text('ae_answer', { enum: AE_ANSWERS }).notNull().default('not_asked'),
		// Free text: shown to clinicians only, never exported.
		note: text('note'),
		version: integer('version').notNull().default(1),
		voided: boolean('voided').notNull().default(false),
		voidReason: text('void_reason'),
		createdBy: uuid('created_by').references(() => users.id),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
		updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		index('visits_patient_date_idx').on(t.patientId, t.visitDate),
		// One live visit per patient per date (the import's rule too); a voided one may share it.
		uniqueIndex('visits_one_live_per_date').on(t.patientId, t.visitDate).where(sql`not ${t.voided}`),
		check('visits_kind_known', sql`${t.kind} in ('baseline', 'treatment', 'follow_up')`),
		check('visits_flare_known', sql`${t.flare} in ('yes', 'no', 'unknown')`),
		check('visits_ae_answer_known', sql`${t.aeAnswer} in ('not_asked', 'none', 'yes')`),
		check('visits_sessions_range', sql`${t.acupunctureSessions} between 0 and 200`),
		check('visits_note_length', sql`${t.note} is null or length(${t.note}) <= 4000`),
		check(
			'visits_void_has_reason',
			sql`(${t.voided} and length(trim(coalesce(${t.voidReason}, ''))) > 0) or (not ${t.voided} and ${t.voidReason} is null)`
		),
		check('visits_version_positive', sql`${t.version} >= 1`)
	]
);

/**
 * The range of every instrument scale, seeded by migration from the instrument registry, so the
 * database itself refuses a score outside its scale (a test keeps both in step).
 */
export const instrumentScales = pgTable(
	'instrument_scales',
	{
		instrumentId: text('instrument_id').notNull(),
		scale: text('scale').notNull(),
		min: doublePrecision('min').notNull(),
		max: doublePrecision('max')
	},
	(t) => [primaryKey({ columns: [t.instrumentId, t.scale] }), check('instrument_scales_range', sql`${t.max} is null or ${t.max} >= ${t.min}`)]
);

/**
 * Every item of every instrument with its range, seeded by migration from the registry like
 * `instrument_scales`: a response's answers may name only these keys, with a number in range or
 * null (trigger `responses_answers_rules`, migration 0018), however the row is written.
 */
export const instrumentItems = pgTable(
	'instrument_items',
	{
		instrumentId: text('instrument_id').notNull(),
		itemKey: text('item_key').notNull(),
		min: doublePrecision('min').notNull(),
		max: doublePrecision('max').notNull()
	},
	(t) => [primaryKey({ columns: [t.instrumentId, t.itemKey] }), check('instrument_items_range', sql`${t.max} >= ${t.min}`)]
);

export const responses = pgTable(
	'responses',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		visitId: uuid('visit_id')
			.notNull()
			.references(() => visits.id),
		instrumentId: text('instrument_id').notNull(),
		instrumentVersion: text('instrument_version').notNull(),
		scoringVersion: text('scoring_version').notNull(),
		/** The definition version the scores were computed with (its text's SHA-256): see instrument_definitions. */
		definitionId: text('definition_id'),
		definitionVersion: text('definition_version'),
		definitionSha256: text('definition_sha256'),
		answers: jsonb('answers').notNull(),
		version: integer('version').notNull().default(1),
		enteredBy: uuid('entered_by').references(() => users.id),
		source: text('source', { enum: RESPONSE_SOURCES }).notNull().default('clinician'),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
		updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		unique('responses_visit_instrument_key').on(t.visitId, t.instrumentId),
		// Exported as is: a plain token, never quoted, never read as a formula.
		check('responses_instrument_version_token', sql`${t.instrumentVersion} ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$' and ${t.scoringVersion} ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,59}$'`),
		// Target of response_scores' composite foreign key.
		unique('responses_id_instrument_key').on(t.id, t.instrumentId),
		check('responses_answers_object', sql`jsonb_typeof(${t.answers}) = 'object'`),
		check('responses_version_positive', sql`${t.version} >= 1`),
		foreignKey({
			name: 'responses_definition_fk',
			columns: [t.definitionId, t.definitionVersion, t.definitionSha256],
			foreignColumns: [instrumentDefinitions.instrumentId, instrumentDefinitions.version, instrumentDefinitions.sha256]
		}),
		check('responses_definition_of_instrument', sql`${t.definitionId} is null or ${t.definitionId} = ${t.instrumentId}`),
		index('responses_definition_idx').on(t.definitionId, t.definitionVersion),
		check('responses_source_known', sql`${t.source} in ('clinician', 'patient_tablet', 'patient_link')`)
	]
);

/** One row per scale of a response: the unrounded score, or null where the scale is unscorable. */
export const responseScores = pgTable(
	'response_scores',
	{
		// The response is enforced by the composite key below (a second, single-column one only
		// doubled every insert's checks).
		responseId: uuid('response_id').notNull(),
		instrumentId: text('instrument_id').notNull(),
		scale: text('scale').notNull(),
		value: doublePrecision('value')
	},
	(t) => [
		primaryKey({ columns: [t.responseId, t.scale] }),
		// The score's instrument is its response's, and the scale is one that instrument has.
		foreignKey({ columns: [t.responseId, t.instrumentId], foreignColumns: [responses.id, responses.instrumentId] }),
		foreignKey({ columns: [t.instrumentId, t.scale], foreignColumns: [instrumentScales.instrumentId, instrumentScales.scale] }),
		index('response_scores_instrument_scale_idx').on(t.instrumentId, t.scale),
		check('response_scores_finite', sql`${t.value} is null or (${t.value} <> 'NaN'::float8 and ${t.value} <> 'Infinity'::float8 and ${t.value} <> '-Infinity'::float8)`)
	]
);
