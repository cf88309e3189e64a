/**
 * The audit log's key, kept outside the database: AUDIT_SECRET, or a random key generated once in
 * DATA_DIR/audit-secret (see ../secrets). Two keys are derived from it (HKDF-SHA-256), one per
 * use, so a value computed for one can never stand in for the other: one keys the hash chain,
 * one signs the anchors (chain heads written outside the database).
 *
 * The app loads it at start-up (refusing to start in production without it); scripts and tests
 * that write audit rows load it on first use from the same settings. Every process that writes
 * to one database must use the same secret, or the rows it writes do not verify.
 */
import { createHmac, hkdfSync } from 'node:crypto';
import { settings, type Settings } from '../config';
import { loadSecret } from '../secrets';

export interface AuditKeys {
	chain: Buffer;
	anchor: Buffer;
	/** A fingerprint of the key (not the key): written in each rekey row, to tell keys apart. */
	id: string;
}

export function loadAuditSecret(s: Settings): string {
	return loadSecret(s, { env: 'AUDIT_SECRET', file: 'audit-secret' });
}

function derive(secret: string, use: string): Buffer {
	return Buffer.from(hkdfSync('sha256', secret, '', `outcome-tracker audit ${use} v1`, 32));
}

const holder = globalThis as unknown as { __auditKeys?: AuditKeys };

export function setAuditSecret(secret: string): void {
	const chain = derive(secret, 'chain');
	holder.__auditKeys = { chain, anchor: derive(secret, 'anchor'), id: createHmac('sha256', chain).update('key id').digest('hex').slice(0, 16) };
}

export function auditKeys(): AuditKeys {
	if (!holder.__auditKeys) setAuditSecret(loadAuditSecret(settings()));
	return holder.__auditKeys!;
}
