import { sql } from 'drizzle-orm';
import { bigint, check, index, jsonb, pgTable, smallint, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { users } from './auth';

/**
 * Append-only: a trigger (migration 0001) refuses UPDATE and DELETE. Each row's hash is the
 * SHA-256 of the previous row's hash and this row's canonical content, so an edit is detectable.
 * Rows belong to one of a few chains (`chain`), so that concurrent writes need not queue for a
 * single chain's end: each chain links its own rows in id order (see server/audit).
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
		chain: smallint('chain').notNull().default(0),
		prevHash: text('prev_hash'),
		hash: text('hash').notNull().unique()
	},
	(t) => [
		index('audit_log_entity_idx').on(t.entity, t.entityId),
		index('audit_log_actor_idx').on(t.actorId),
		index('audit_log_chain_idx').on(t.chain, t.id),
		check('audit_log_chain_range', sql`${t.chain} between 0 and 63`),
		check('audit_log_hash_hex', sql`${t.hash} ~ '^[0-9a-f]{64}$'`)
	]
);
