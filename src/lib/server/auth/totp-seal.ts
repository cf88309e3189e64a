/**
 * TOTP keys at rest. A TOTP key must be readable to check a code, so it cannot be hashed like a
 * password; it is sealed instead, with AES-256-GCM (node:crypto) under a key kept outside the
 * database: MFA_ENCRYPTION_KEY, or outside production a random key generated once in
 * DATA_DIR/mfa-key (../secrets). A database dump alone then holds no usable second factor.
 *
 * Sealed form (57 bytes; the column's CHECK requires the length and version):
 *   version (1) | key id (8) | nonce (12) | ciphertext (20) | tag (16)
 * The key id (the first 8 bytes of an HMAC of the key, not the key) says which key sealed it, so
 * the key can be rotated: set the new one as MFA_ENCRYPTION_KEY and the old one(s) in
 * MFA_ENCRYPTION_KEYS_PREVIOUS (comma-separated); keys still sealed under an old one open with it,
 * and the next start reseals them all under the new one (sealStoredTotpKeys); then the old one
 * can be removed. The user's id is the additional authenticated data: a sealed key copied into
 * another user's row does not open.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { eq, isNotNull, or, sql } from 'drizzle-orm';
import type { Db } from '../db';
import { users } from '../db/schema';
import { appendAudit } from '../audit';
import { settings, type Settings } from '../config';
import { loadSecret, MIN_SECRET_LENGTH } from '../secrets';

const VERSION = 1;
const ID_BYTES = 8;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const CLEAR_BYTES = 20;
export const SEALED_BYTES = 1 + ID_BYTES + NONCE_BYTES + CLEAR_BYTES + TAG_BYTES;

/** The secrets, as configured: the current one seals; every one opens what it sealed. */
export interface MfaSecrets {
	current: string;
	previous: string[];
}

interface SealKey {
	id: Buffer;
	key: Buffer;
}

export function loadMfaKeys(s: Settings): MfaSecrets {
	const current = loadSecret(s, { env: 'MFA_ENCRYPTION_KEY', file: 'mfa-key' });
	const previous = (process.env.MFA_ENCRYPTION_KEYS_PREVIOUS ?? '')
		.split(',')
		.map((k) => k.trim())
		.filter((k) => k !== '');
	for (const k of previous) if (k.length < MIN_SECRET_LENGTH) throw new Error(`Each of MFA_ENCRYPTION_KEYS_PREVIOUS must be at least ${MIN_SECRET_LENGTH} characters`);
	return { current, previous };
}

function derive(secret: string): SealKey {
	const key = Buffer.from(hkdfSync('sha256', secret, '', 'outcome-tracker totp at rest v1', 32));
	return { key, id: createHmac('sha256', key).update('key id').digest().subarray(0, ID_BYTES) };
}

const holder = globalThis as unknown as { __mfaKeys?: { current: SealKey; byId: Map<string, SealKey> } };

export function setMfaKeys(secrets: MfaSecrets): void {
	const current = derive(secrets.current);
	const byId = new Map<string, SealKey>();
	for (const k of [current, ...secrets.previous.map(derive)]) if (!byId.has(k.id.toString('hex'))) byId.set(k.id.toString('hex'), k);
	holder.__mfaKeys = { current, byId };
}

/** Loaded at start-up by the app; on first use elsewhere (scripts, tests), from the same settings. */
function keys() {
	if (!holder.__mfaKeys) setMfaKeys(loadMfaKeys(settings()));
	return holder.__mfaKeys!;
}

const aad = (userId: string) => Buffer.from(`totp:${userId}`, 'utf8');

export function sealTotpKey(userId: string, clear: Uint8Array): Buffer {
	if (clear.byteLength !== CLEAR_BYTES) throw new Error('A TOTP key is 20 bytes');
	const { current } = keys();
	const nonce = randomBytes(NONCE_BYTES);
	const cipher = createCipheriv('aes-256-gcm', current.key, nonce);
	cipher.setAAD(aad(userId));
	const body = Buffer.concat([cipher.update(clear), cipher.final()]);
	return Buffer.concat([Buffer.from([VERSION]), current.id, nonce, body, cipher.getAuthTag()]);
}

const keyIdOf = (sealed: Uint8Array) => Buffer.from(sealed.subarray(1, 1 + ID_BYTES)).toString('hex');
const isSealed = (stored: Uint8Array) => stored.byteLength === SEALED_BYTES && stored[0] === VERSION;

/** The clear key, or null when it cannot be opened (sealed under a key not configured, or altered). */
export function openTotpKey(userId: string, sealed: Uint8Array): Uint8Array | null {
	if (!isSealed(sealed)) return null;
	const k = keys().byId.get(keyIdOf(sealed));
	if (!k) return null;
	const s = Buffer.from(sealed);
	const nonce = s.subarray(1 + ID_BYTES, 1 + ID_BYTES + NONCE_BYTES);
	const body = s.subarray(1 + ID_BYTES + NONCE_BYTES, SEALED_BYTES - TAG_BYTES);
	try {
		const decipher = createDecipheriv('aes-256-gcm', k.key, nonce);
		decipher.setAAD(aad(userId));
		decipher.setAuthTag(s.subarray(SEALED_BYTES - TAG_BYTES));
		return new Uint8Array(Buffer.concat([decipher.update(body), decipher.final()]));
	} catch {
		return null;
	}
}

export interface SealReport {
	/** Keys found in clear (written by a version before sealing) and sealed now. */
	sealed: number;
	/** Keys sealed under a previous key, sealed again under the current one. */
	resealed: number;
	/** Keys sealed under no configured key (or altered): left as they are; their users cannot sign in with a code. */
	unreadable: number;
}

/** What a stored key becomes: sealed under the current key; `null` = unchanged or unreadable. */
function resealed(userId: string, stored: Uint8Array | null, report: SealReport): Buffer | null {
	if (!stored) return null;
	if (stored.byteLength === CLEAR_BYTES) {
		report.sealed++;
		return sealTotpKey(userId, stored);
	}
	if (isSealed(stored) && keyIdOf(stored) === keys().current.id.toString('hex')) return null;
	const clear = openTotpKey(userId, stored);
	if (!clear) {
		report.unreadable++;
		return null;
	}
	report.resealed++;
	return sealTotpKey(userId, clear);
}

/**
 * At start-up: seals every key stored in clear and reseals every key sealed under a previous key,
 * in one transaction with one audit row; then validates the column's CHECK for every row (migration
 * 0016 added it NOT VALID, since only the app can seal). Idempotent; several processes starting
 * at once take turns on the rows' locks.
 */
export async function sealStoredTotpKeys(db: Db): Promise<SealReport> {
	const report: SealReport = { sealed: 0, resealed: 0, unreadable: 0 };
	await db.transaction(async (tx) => {
		const rows = await tx
			.select({ id: users.id, key: users.totpKey, pending: users.totpPendingKey })
			.from(users)
			.where(or(isNotNull(users.totpKey), isNotNull(users.totpPendingKey)))
			.orderBy(users.id)
			.for('update');
		const before = { ...report };
		for (const row of rows) {
			const key = resealed(row.id, row.key, report);
			const pending = resealed(row.id, row.pending, report);
			if (key || pending) await tx.update(users).set({ ...(key ? { totpKey: key } : {}), ...(pending ? { totpPendingKey: pending } : {}) }).where(eq(users.id, row.id));
		}
		const changed = report.sealed - before.sealed + report.resealed - before.resealed;
		if (changed > 0) {
			await appendAudit(tx, {
				actorId: null,
				action: 'mfa_keys_sealed',
				entity: 'users',
				entityId: 'totp_keys',
				after: { sealed: report.sealed, resealed: report.resealed, keyId: keys().current.id.toString('hex') },
				requestId: 'start-up'
			});
		}
	});
	await db.execute(sql`alter table users validate constraint users_totp_key_sealed`);
	if (report.unreadable > 0) {
		console.error(`${report.unreadable} TOTP key(s) are sealed under a key that is neither MFA_ENCRYPTION_KEY nor in MFA_ENCRYPTION_KEYS_PREVIOUS: those users cannot sign in with a code until it is configured (or an administrator resets their two-factor sign-in).`);
	}
	return report;
}

