import { sql } from 'drizzle-orm';
import { bigint, check, index, pgTable, smallint, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from './auth';

/** One-time recovery codes for a lost authenticator: shown once, only their SHA-256 stored. */
export const recoveryCodes = pgTable(
	'recovery_codes',
	{
		id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
		userId: uuid('user_id')
			.notNull()
			.references(() => users.id),
		codeHash: text('code_hash').notNull(),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
		// Used or replaced by a new set; kept, never deleted.
		usedAt: timestamp('used_at', { withTimezone: true }),
		revokedAt: timestamp('revoked_at', { withTimezone: true })
	},
	(t) => [
		uniqueIndex('recovery_codes_hash_key').on(t.codeHash),
		index('recovery_codes_user_idx').on(t.userId),
		check('recovery_codes_hash_sha256', sql`${t.codeHash} ~ '^[0-9a-f]{64}$'`)
	]
);

/** Instance-wide security settings: one row. */
export const securitySettings = pgTable(
	'security_settings',
	{
		id: smallint('id').primaryKey().default(1),
		mfaRequiredRoles: text('mfa_required_roles').array().notNull().default(sql`'{}'::text[]`),
		updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		check('security_settings_singleton', sql`${t.id} = 1`),
		check('security_settings_roles_known', sql`${t.mfaRequiredRoles} <@ array['admin', 'clinician', 'researcher']::text[]`)
	]
);

/** An administrator cleared a lock-out: failures before `at` no longer count for that key. */
export const throttleResets = pgTable(
	'throttle_resets',
	{
		id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
		account: text('account'),
		address: text('address'),
		clearedBy: uuid('cleared_by').references(() => users.id),
		at: timestamp('at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		index('throttle_resets_account_idx').on(t.account, t.at),
		index('throttle_resets_address_idx').on(t.address, t.at),
		check('throttle_resets_one_key', sql`(${t.account} is null) <> (${t.address} is null)`)
	]
);
