/**
 * Self-report: a patient answers a visit's forms on the clinic's tablet (kiosk mode) or through a
 * one-time link. A link's token is never stored, only its SHA-256 (hex), looked up by its unique
 * index. What the patient submits waits in `self_report_answers` until a clinician accepts it
 * (then it is an ordinary response with its `source`) or discards it with a reason.
 */
import { sql } from 'drizzle-orm';
import { check, index, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from './auth';
import { responses, visits } from './clinical';

export const SELF_REPORT_MODES = ['tablet', 'link'] as const;
export type SelfReportMode = (typeof SELF_REPORT_MODES)[number];

export const selfReportLinks = pgTable(
	'self_report_links',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		visitId: uuid('visit_id')
			.notNull()
			.references(() => visits.id),
		mode: text('mode', { enum: SELF_REPORT_MODES }).notNull(),
		instruments: text('instruments').array().notNull(),
		// Links only: the SHA-256 of a token of 160 random bits. A tablet session has none.
		tokenHash: text('token_hash'),
		expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
		usedAt: timestamp('used_at', { withTimezone: true }),
		revokedAt: timestamp('revoked_at', { withTimezone: true }),
		createdBy: uuid('created_by')
			.notNull()
			.references(() => users.id),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		uniqueIndex('self_report_links_token_key').on(t.tokenHash),
		index('self_report_links_visit_idx').on(t.visitId),
		check('self_report_links_mode_known', sql`${t.mode} in ('tablet', 'link')`),
		check('self_report_links_token_for_links', sql`(${t.mode} = 'link') = (${t.tokenHash} is not null)`),
		check('self_report_links_token_sha256', sql`${t.tokenHash} is null or ${t.tokenHash} ~ '^[0-9a-f]{64}$'`),
		check('self_report_links_instruments', sql`cardinality(${t.instruments}) between 1 and 20 and array_to_string(${t.instruments}, ',') ~ '^[a-z0-9_]{1,40}(,[a-z0-9_]{1,40})*$'`),
		check('self_report_links_expiry', sql`${t.expiresAt} > ${t.createdAt} and ${t.expiresAt} <= ${t.createdAt} + interval '31 days'`),
		check('self_report_links_used_after_creation', sql`${t.usedAt} is null or ${t.usedAt} >= ${t.createdAt}`)
	]
);

/** One submitted form per link and instrument: awaiting review until accepted or discarded. */
export const selfReportAnswers = pgTable(
	'self_report_answers',
	{
		linkId: uuid('link_id')
			.notNull()
			.references(() => selfReportLinks.id),
		instrumentId: text('instrument_id').notNull(),
		answers: jsonb('answers').notNull(),
		submittedAt: timestamp('submitted_at', { withTimezone: true }).notNull().defaultNow(),
		acceptedAt: timestamp('accepted_at', { withTimezone: true }),
		acceptedBy: uuid('accepted_by').references(() => users.id),
		responseId: uuid('response_id').references(() => responses.id),
		discardedAt: timestamp('discarded_at', { withTimezone: true }),
		discardedBy: uuid('discarded_by').references(() => users.id),
		discardReason: text('discard_reason')
	},
	(t) => [
		primaryKey({ columns: [t.linkId, t.instrumentId] }),
		check('self_report_answers_object', sql`jsonb_typeof(${t.answers}) = 'object'`),
		check('self_report_answers_accepted', sql`(${t.acceptedAt} is null) = (${t.acceptedBy} is null) and (${t.acceptedAt} is null) = (${t.responseId} is null)`),
		check(
			'self_report_answers_discarded',
			sql`(${t.discardedAt} is null) = (${t.discardedBy} is null) and (${t.discardedAt} is null) = (${t.discardReason} is null) and (${t.discardReason} is null or length(trim(${t.discardReason})) between 1 and 500)`
		),
		check('self_report_answers_one_outcome', sql`${t.acceptedAt} is null or ${t.discardedAt} is null`)
	]
);
