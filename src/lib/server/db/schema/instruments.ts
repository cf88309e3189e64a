/**
 * Instrument definitions as data: every version of every FHIR Questionnaire the app scores with,
 * built-in (registered from the files at start-up) or uploaded by an admin. The stored text is the
 * canonical JSON (keys sorted) and `sha256` its digest; a version that any response was scored
 * with never changes (trigger, migration 0021), a change is a new version.
 */
import { sql } from 'drizzle-orm';
import { boolean, check, pgTable, primaryKey, text, timestamp, unique, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from './auth';

export const DEFINITION_STATUSES = ['draft', 'active', 'inactive'] as const;

export const instrumentDefinitions = pgTable(
	'instrument_definitions',
	{
		instrumentId: text('instrument_id').notNull(),
		version: text('version').notNull(),
		definition: text('definition').notNull(),
		sha256: text('sha256').notNull(),
		/** draft: uploaded, not (yet) in use; active: the version new entries use; inactive: hidden from new entries. */
		status: text('status', { enum: DEFINITION_STATUSES }).notNull().default('draft'),
		builtIn: boolean('built_in').notNull().default(false),
		createdBy: uuid('created_by').references(() => users.id),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
		updatedBy: uuid('updated_by').references(() => users.id),
		updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		primaryKey({ columns: [t.instrumentId, t.version] }),
		// Target of responses' composite foreign key: a response names the exact text it was scored with.
		unique('instrument_definitions_version_sha_key').on(t.instrumentId, t.version, t.sha256),
		// One version of an instrument is the one new entries use.
		uniqueIndex('instrument_definitions_one_active').on(t.instrumentId).where(sql`${t.status} = 'active'`),
		check('instrument_definitions_status', sql`${t.status} in ('draft', 'active', 'inactive')`),
		check('instrument_definitions_id_token', sql`${t.instrumentId} ~ '^[a-z0-9_]{1,40}$' and ${t.version} ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$'`),
		check('instrument_definitions_sha', sql`${t.sha256} = encode(sha256(convert_to(${t.definition}, 'UTF8')), 'hex')`)
	]
);
