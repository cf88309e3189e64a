/**
 * What every process that writes to the database does once it is open, before its first write:
 * the keys kept outside the database are loaded, audit chains still ending with rows from before
 * the audit key get their rekey row (a keyed row appended first would break them for good), and
 * TOTP keys stored in clear or under a previous MFA_ENCRYPTION_KEY are sealed under the current
 * one. The app does this at start-up, and so do the command-line tools that write (`npm run user`,
 * the seed), which may run against a database the upgraded app has not opened yet.
 */
import type { Db } from './db';
import type { Settings } from './config';
import { ensureAuditKeyed, loadAuditSecret, setAuditSecret } from './audit';
import { loadMfaKeys, sealStoredTotpKeys, setMfaKeys } from './auth/totp-seal';

export async function bringKeysUpToDate(db: Db, s: Settings): Promise<void> {
	setAuditSecret(loadAuditSecret(s));
	setMfaKeys(loadMfaKeys(s));
	await ensureAuditKeyed(db, { anchorFile: s.auditAnchorFile });
	const totp = await sealStoredTotpKeys(db);
	if (totp.sealed + totp.resealed > 0) console.log(`TOTP keys: ${totp.sealed} sealed, ${totp.resealed} sealed again under the current MFA_ENCRYPTION_KEY.`);
}
