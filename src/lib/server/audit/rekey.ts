/**
 * Moving a log written before the key under it, at start-up. Rows an earlier version wrote carry
 * the unkeyed rule (SHA-256, which anyone can recompute); they stay as they are (the log is
 * append-only) and stay checked: each chain that ends with such rows gets one "rekey" row
 * (action `rekey`, entity `audit_log`, entity id = the chain) whose keyed hash covers the unkeyed
 * head, so rewriting any earlier row breaks the rekey row. From it on, the chain is keyed. The
 * heads are anchored at once, so the rekey row itself cannot be dropped unseen.
 *
 * Idempotent, and safe with several app processes starting at once: each chain is re-read while
 * held. A chain whose newest row verifies under neither rule is left alone and reported: the
 * secret differs from the one that wrote it, or the row was altered (verify says which row).
 */
import { desc, eq } from 'drizzle-orm';
import type { Db } from '../db';
import { auditLog } from '../db/schema';
import { auditHash, keyedAuditHash } from './chain';
import { anchorAuditHeads } from './anchors';
import { auditKeys } from './key';
import { AUDIT_CHAINS, lockChain } from './locks';
import { insertAudit } from './append';

type Tail = 'keyed' | 'unkeyed' | 'unknown' | 'empty';

async function tailOf(db: Db, chain: number): Promise<{ tail: Tail; hash: string | null; id: number | null }> {
	const [row] = await db.select().from(auditLog).where(eq(auditLog.chain, chain)).orderBy(desc(auditLog.id)).limit(1);
	if (!row) return { tail: 'empty', hash: null, id: null };
	const tail = row.hash === keyedAuditHash(chain, row.prevHash, row) ? 'keyed' : row.hash === auditHash(row.prevHash, row) ? 'unkeyed' : 'unknown';
	return { tail, hash: row.hash, id: row.id };
}

/** Appends a rekey row to every chain that ends unkeyed; returns how many. */
export async function ensureAuditKeyed(db: Db, options: { anchorFile: string }): Promise<number> {
	let rekeyed = 0;
	for (let chain = 0; chain < AUDIT_CHAINS; chain++) {
		const seen = await tailOf(db, chain);
		if (seen.tail === 'unknown') {
			console.error(
				`Audit chain ${chain}: its newest entry (${seen.id}) verifies neither with AUDIT_SECRET nor as written before the key. ` +
					'Either AUDIT_SECRET is not the secret this log was written with (set that one), or the entry was altered: verify the chains on the Audit log page.'
			);
		}
		if (seen.tail !== 'unkeyed') continue;
		const done = await db.transaction(async (tx) => {
			await lockChain(tx, chain);
			const now = await tailOf(tx, chain);
			if (now.tail !== 'unkeyed') return false;
			await insertAudit(tx, { chain, prevHash: now.hash }, [
				{ actorId: null, action: 'rekey', entity: 'audit_log', entityId: String(chain), after: { keyId: auditKeys().id, unkeyedHeadId: now.id }, requestId: 'audit-rekey' }
			]);
			return true;
		});
		if (done) rekeyed++;
	}
	if (rekeyed > 0) {
		console.log(`Audit log: ${rekeyed} chain(s) moved under AUDIT_SECRET (one rekey entry each).`);
		await anchorAuditHeads(db, { file: options.anchorFile, reason: 'rekey' });
	}
	return rekeyed;
}
