/**
 * Safety: adverse events (with an admin-extendable category list) and flare episodes. Never
 * deleted: voided with a reason. The CHECKs here and the date triggers of migration 0018 mirror
 * $lib/validation/safety, so a bug in the app still cannot store an impossible event.
 */
import { sql } from 'drizzle-orm';
import { boolean, check, date, doublePrecision, index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from './auth';
import { patients, responses, visits } from './clinical';
import { AE_ACTIONS, AE_OUTCOMES, AE_SEVERITIES, FLARE_SEVERITIES, FLARE_TRIGGERS, RELATEDNESS, SERIOUS_CRITERIA } from '../../../safety/codes';

const list = (codes: readonly string[]) => sql.raw(codes.map((c) => `'${c}'`).join(', '));
const textArray = (codes: readonly string[]) => sql.raw(`array[${codes.map((c) => `'${c}'`).join(', ')}]::text[]`);

/** Seeded by migration (our own wording of the acupuncture safety literature's list); admins add more. */
export const aeCategories = pgTable(
	'ae_categories',
	{
		code: text('code').primaryKey(),
		label: text('label').notNull(),
		active: boolean('active').notNull().default(true),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		check('ae_categories_code_format', sql`${t.code} ~ '^[a-z][a-z0-9_]{0,39}$'`),
		check('ae_categories_label_present', sql`length(trim(${t.label})) between 1 and 120`),
		uniqueIndex('ae_categories_label_key').on(sql`lower(${t.label})`)
	]
);

export const adverseEvents = pgTable(
	'adverse_events',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		patientId: uuid('patient_id')
			.notNull()
			.references(() => patients.id),
		// The treatment visit it followed, when known (a trigger keeps it the same patient's).
		visitId: uuid('visit_id').references(() => visits.id),
		// The form's one-time key: a form sent twice (a double click without JavaScript, a retried
		// request) records one event. Null for events recorded otherwise (import, seed, API).
		submissionKey: uuid('submission_key'),
		onsetOn: date('onset_on').notNull(),
		categoryCode: text('category_code')
			.notNull()
			.references(() => aeCategories.code),
		// Required for 'other'; free text, never exported.
		categoryDetail: text('category_detail'),
		severity: text('severity', { enum: AE_SEVERITIES }).notNull(),
		serious: boolean('serious').notNull(),
		seriousCriteria: text('serious_criteria').array().notNull().default(sql`'{}'::text[]`),
		relatedness: text('relatedness', { enum: RELATEDNESS }).notNull(),
		actionTaken: text('action_taken', { enum: AE_ACTIONS }).notNull(),
		outcome: text('outcome', { enum: AE_OUTCOMES }).notNull(),
		resolvedOn: date('resolved_on'),
		note: text('note'),
		acknowledgedAt: timestamp('acknowledged_at', { withTimezone: true }),
		acknowledgedBy: uuid('acknowledged_by').references(() => users.id),
		version: integer('version').notNull().default(1),
		voided: boolean('voided').notNull().default(false),
		voidReason: text('void_reason'),
		createdBy: uuid('created_by').references(() => users.id),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
		updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		index('adverse_events_patient_idx').on(t.patientId, t.onsetOn),
		// A visit's date may not move after an event that followed it (migration 0037): looked up by visit.
		index('adverse_events_visit_idx').on(t.visitId),
		uniqueIndex('adverse_events_submission_key').on(t.submissionKey),
		// The notice shown on every page reads this: live serious events nobody acknowledged yet.
		index('adverse_events_unacknowledged_idx').on(t.createdAt).where(sql`${t.serious} and ${t.acknowledgedAt} is null and not ${t.voided}`),
		check('adverse_events_severity_known', sql`${t.severity} in (${list(AE_SEVERITIES)})`),
		check('adverse_events_relatedness_known', sql`${t.relatedness} in (${list(RELATEDNESS)})`),
		check('adverse_events_action_known', sql`${t.actionTaken} in (${list(AE_ACTIONS)})`),
		check('adverse_events_outcome_known', sql`${t.outcome} in (${list(AE_OUTCOMES)})`),
		check('adverse_events_criteria_known', sql`${t.seriousCriteria} <@ ${textArray(SERIOUS_CRITERIA)}`),
		// ICH E2A: an event is serious exactly when it meets at least one criterion.
		check('adverse_events_serious_has_criterion', sql`${t.serious} = (cardinality(${t.seriousCriteria}) > 0)`),
		check('adverse_events_fatal_is_death', sql`${t.outcome} <> 'fatal' or 'death' = any(${t.seriousCriteria})`),
		check('adverse_events_other_specified', sql`${t.categoryCode} <> 'other' or length(trim(coalesce(${t.categoryDetail}, ''))) > 0`),
		check('adverse_events_detail_length', sql`${t.categoryDetail} is null or length(${t.categoryDetail}) <= 200`),
		check('adverse_events_note_length', sql`${t.note} is null or length(${t.note}) <= 2000`),
		check('adverse_events_resolution_after_onset', sql`${t.resolvedOn} is null or ${t.resolvedOn} >= ${t.onsetOn}`),
		check('adverse_events_unresolved_has_no_date', sql`${t.outcome} not in ('recovering', 'not_recovered') or ${t.resolvedOn} is null`),
		check('adverse_events_acknowledged_serious', sql`(${t.acknowledgedAt} is null) = (${t.acknowledgedBy} is null) and (${t.acknowledgedAt} is null or ${t.serious})`),
		check(
			'adverse_events_void_has_reason',
			sql`(${t.voided} and length(trim(coalesce(${t.voidReason}, ''))) > 0) or (not ${t.voided} and ${t.voidReason} is null)`
		),
		check('adverse_events_version_positive', sql`${t.version} >= 1`)
	]
);

export const flareEpisodes = pgTable(
	'flare_episodes',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		patientId: uuid('patient_id')
			.notNull()
			.references(() => patients.id),
		onsetOn: date('onset_on').notNull(),
		// Null while the flare is ongoing.
		endedOn: date('ended_on'),
		severity: text('severity', { enum: FLARE_SEVERITIES }).notNull(),
		triggers: text('triggers').array().notNull().default(sql`'{}'::text[]`),
		treatmentChanged: boolean('treatment_changed').notNull(),
		note: text('note'),
		version: integer('version').notNull().default(1),
		voided: boolean('voided').notNull().default(false),
		voidReason: text('void_reason'),
		createdBy: uuid('created_by').references(() => users.id),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
		updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		index('flare_episodes_patient_idx').on(t.patientId, t.onsetOn),
		check('flare_episodes_severity_known', sql`${t.severity} in (${list(FLARE_SEVERITIES)})`),
		check('flare_episodes_triggers_known', sql`${t.triggers} <@ ${textArray(FLARE_TRIGGERS)}`),
		check('flare_episodes_end_after_onset', sql`${t.endedOn} is null or ${t.endedOn} >= ${t.onsetOn}`),
		check('flare_episodes_note_length', sql`${t.note} is null or length(${t.note}) <= 2000`),
		check(
			'flare_episodes_void_has_reason',
			sql`(${t.voided} and length(trim(coalesce(${t.voidReason}, ''))) > 0) or (not ${t.voided} and ${t.voidReason} is null)`
		),
		check('flare_episodes_version_positive', sql`${t.version} >= 1`)
	]
);

/**
 * Safety alerts raised when a response is saved: today one kind, a PHQ-9 item 9 (self-harm
 * thoughts) answered above 0. Raised by a statement-level trigger on `responses` (migration
 * `stress_mood_safety`) so that every writer — the visit form, a response edit, the import —
 * raises it inside the save's own transaction; the save itself always succeeds. Listed to
 * clinicians and admins until one of them acknowledges it (who and when kept here and audited).
 */
export const safetyAlerts = pgTable(
	'safety_alerts',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		kind: text('kind').notNull(),
		patientId: uuid('patient_id')
			.notNull()
			.references(() => patients.id),
		visitId: uuid('visit_id')
			.notNull()
			.references(() => visits.id),
		responseId: uuid('response_id')
			.notNull()
			.references(() => responses.id),
		// The answer that raised it (PHQ-9 item 9: 1, 2 or 3).
		value: doublePrecision('value').notNull(),
		raisedAt: timestamp('raised_at', { withTimezone: true }).notNull().defaultNow(),
		raisedBy: uuid('raised_by').references(() => users.id),
		acknowledgedAt: timestamp('acknowledged_at', { withTimezone: true }),
		acknowledgedBy: uuid('acknowledged_by').references(() => users.id)
	},
	(t) => [
		// One alert per response and kind: a re-save of the same form does not raise a second.
		uniqueIndex('safety_alerts_response_kind_key').on(t.responseId, t.kind),
		index('safety_alerts_visit_idx').on(t.visitId),
		index('safety_alerts_open_idx').on(t.raisedAt).where(sql`${t.acknowledgedAt} is null`),
		check('safety_alerts_kind_known', sql`${t.kind} in ('phq9_item9')`),
		check('safety_alerts_acknowledged_pair', sql`(${t.acknowledgedAt} is null) = (${t.acknowledgedBy} is null)`)
	]
);
