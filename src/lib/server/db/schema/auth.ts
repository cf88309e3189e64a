import { sql } from 'drizzle-orm';
import { visibleTextCheck } from './visible-text';
import {
	bigint,
	boolean,
	customType,
	check,
	index,
	pgTable,
	smallint,
	text,
	timestamp,
	uniqueIndex,
	uuid
} from 'drizzle-orm/pg-core';

const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
	dataType: () => 'bytea',
	toDriver: (value) => Buffer.from(value),
	fromDriver: (value) => new Uint8Array(value)
});

export const ROLES = ['admin', 'clinician', 'researcher'] as const;
export type Role = (typeof ROLES)[number];

const timestamps = {
	createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
	updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow()
};

export const users = pgTable(
	'users',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		email: text('email').notNull(),
		name: text('name').notNull(),
		role: text('role', { enum: ROLES }).notNull(),
		passwordHash: text('password_hash').notNull(),
		active: boolean('active').notNull().default(true),
		// TOTP (RFC 6238) for multi-factor sign-in: the key while it is being set up, the key in
		// use, and the last time step accepted (a code is never accepted twice). Both keys are
		// sealed (AES-256-GCM, auth/totp-seal.ts): version, key id, nonce, ciphertext, tag.
		totpPendingKey: bytea('totp_pending_key'),
		totpKey: bytea('totp_key'),
		totpLastStep: bigint('totp_last_step', { mode: 'number' }),
		totpEnabledAt: timestamp('totp_enabled_at', { withTimezone: true }),
		// A short PIN the clinician may set to end patient mode on a tablet (argon2id, like the password).
		kioskPinHash: text('kiosk_pin_hash'),
		...timestamps
	},
	(t) => [
		uniqueIndex('users_email_key').on(t.email),
		check('users_email_lower', sql`${t.email} = lower(${t.email}) and position('@' in ${t.email}) > 1`),
		check('users_name_present', sql`length(trim(${t.name})) between 1 and 200`),
		check('users_name_visible', visibleTextCheck(t.name)),
		check('users_role_known', sql`${t.role} in ('admin', 'clinician', 'researcher')`),
		check('users_hash_argon2id', sql`${t.passwordHash} like '$argon2id$%'`),
		check('users_kiosk_pin_argon2id', sql`${t.kioskPinHash} is null or ${t.kioskPinHash} like '$argon2id$%'`),
		// Only sealed keys (57 bytes, version 1): a clear 20-byte key is refused. Added NOT VALID by
		// migration 0016 and validated at start-up once the clear keys of before are sealed.
		check(
			'users_totp_key_sealed',
			sql`(${t.totpKey} is null or (octet_length(${t.totpKey}) = 57 and get_byte(${t.totpKey}, 0) = 1)) and (${t.totpPendingKey} is null or (octet_length(${t.totpPendingKey}) = 57 and get_byte(${t.totpPendingKey}, 0) = 1))`
		),
		check('users_totp_enabled_with_key', sql`(${t.totpKey} is null) = (${t.totpEnabledAt} is null)`)
	]
);

/** Lucia's design: the id is the SHA-256 (hex) of the token; the token itself is never stored. */
export const sessions = pgTable(
	'sessions',
	{
		id: text('id').primaryKey(),
		userId: uuid('user_id')
			.notNull()
			.references(() => users.id),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
		lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
		expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
		// Not null while the password is proven but the second factor is not: 'verify' (enter a
		// code) or 'enrol' (MFA is required and not yet set up). Such a session opens nothing else.
		pending: text('pending', { enum: ['verify', 'enrol'] }),
		// Set while the device is handed to a patient (tablet self-report): the session then opens
		// only that self-report's forms, until the clinician's password ends patient mode.
		kioskLinkId: uuid('kiosk_link_id')
	},
	(t) => [
		index('sessions_user_idx').on(t.userId),
		check('sessions_pending_known', sql`${t.pending} in ('verify', 'enrol')`),
		check('sessions_id_sha256', sql`${t.id} ~ '^[0-9a-f]{64}$'`),
		check('sessions_expiry_after_creation', sql`${t.expiresAt} > ${t.createdAt}`)
	]
);

/** Sign-in attempts, kept in the database so throttling holds across app processes. */
export const loginAttempts = pgTable(
	'login_attempts',
	{
		id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
		account: text('account').notNull(),
		address: text('address').notNull(),
		success: boolean('success').notNull(),
		at: timestamp('at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		index('login_attempts_account_idx').on(t.account, t.at),
		index('login_attempts_address_idx').on(t.address, t.at)
	]
);

/**
 * One row, written in the same transaction as the first administrator. Its primary key makes
 * the one-time set-up race-safe: a second concurrent set-up fails on the unique key.
 */
export const instanceSetup = pgTable(
	'instance_setup',
	{
		id: smallint('id').primaryKey(),
		completedAt: timestamp('completed_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [check('instance_setup_singleton', sql`${t.id} = 1`)]
);

/** Personal API tokens for scripts: shown once, stored as SHA-256; revoked, never deleted. */
export const apiTokens = pgTable(
	'api_tokens',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		userId: uuid('user_id')
			.notNull()
			.references(() => users.id),
		name: text('name').notNull(),
		tokenHash: text('token_hash').notNull(),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
		lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
		revokedAt: timestamp('revoked_at', { withTimezone: true })
	},
	(t) => [
		uniqueIndex('api_tokens_hash_key').on(t.tokenHash),
		index('api_tokens_user_idx').on(t.userId),
		check('api_tokens_hash_sha256', sql`${t.tokenHash} ~ '^[0-9a-f]{64}$'`),
		check('api_tokens_name_present', sql`length(trim(${t.name})) between 1 and 100`)
	]
);
