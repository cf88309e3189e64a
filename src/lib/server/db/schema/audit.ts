import { sql } from 'drizzle-orm';
import { bigint, check, index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { users } from './auth';

/**
 * Append-only: a trigger (migration 0001) refuses UPDATE and DELETE. Each row's hash is the
 * SHA-256 of the previous row's hash and this row's canonical content, so an edit is detectable.
 */
export const auditLog = pgTable(
	'audit_log',
	{
		id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
		at: timestamp('at', { withTimezone: true, precision: 3 }).notNull(),
		actorId: uuid('actor_id').references(() => users.id),
		action: text('action').notNull(),
		entity: text('entity').notNull(),
		entityId: text('entity_id').notNull(),
		before: jsonb('before'),
		after: jsonb('after'),
		reason: text('reason'),
		requestId: text('request_id'),
		prevHash: text('prev_hash'),
		hash: text('hash').notNull().unique()
	},
	(t) => [
		index('audit_log_entity_idx').on(t.entity, t.entityId),
		index('audit_log_actor_idx').on(t.actorId),
		check('audit_log_hash_hex', sql`${t.hash} ~ '^[0-9a-f]{64}$'`)
	]
);
