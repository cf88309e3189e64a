/**
 * Verification of every chain, then of the anchors. Per chain, in id order:
 * - each row names the previous row's hash as its `prev_hash`;
 * - rows written before the key (the unkeyed rule, chain.ts) may only open a chain, and must be
 *   followed by the chain's rekey row (rekey.ts), whose keyed hash covers the unkeyed head;
 * - from the first keyed row on (the rekey row, or the first row of a chain begun after the key),
 *   every row must carry its keyed hash.
 * Then every chain must still hold the newest row anchored for it (anchors.ts), with that hash.
 */
import { asc, gt, inArray } from 'drizzle-orm';
import type { Db } from '../db';
import { settings } from '../config';
import { auditLog } from '../db/schema';
import { auditHash, keyedAuditHash } from './chain';
import { auditKeys } from './key';
import { readAnchors } from './anchors';

export type ChainReport =
	| { intact: true; rows: number; anchored: number; anchoredAt: string | null }
	| { intact: false; rows: number; firstBrokenId: number | null; problem: string };

export const isRekeyRow = (row: { action: string; entity: string }) => row.action === 'rekey' && row.entity === 'audit_log';

interface ChainState {
	prev: string | null;
	keyed: boolean;
	/** The chain's first row when it began with unkeyed rows (until its rekey row). */
	unkeyedSince: number | null;
}

type Row = typeof auditLog.$inferSelect;

/** Why `row` breaks its chain, or null; advances the chain's state when it does not. */
function checkRow(row: Row, state: ChainState, key: Buffer): string | null {
	if (row.prevHash !== state.prev) return 'its previous hash is not the hash of the row before it in its chain (a row was removed, inserted or moved)';
	if (row.hash === keyedAuditHash(row.chain, state.prev, row, key)) {
		if (!state.keyed && state.unkeyedSince !== null && !isRekeyRow(row)) return 'a keyed row follows rows written before the key, without a rekey row';
		state.keyed = true;
	} else if (state.keyed) {
		return 'its hash is not the keyed hash of its content (the row was altered, or the chain rebuilt without the key)';
	} else if (row.hash === auditHash(state.prev, row) && !isRekeyRow(row)) {
		state.unkeyedSince ??= row.id;
	} else {
		return 'its hash matches neither its content nor the rule of its time (the row was altered)';
	}
	state.prev = row.hash;
	return null;
}

/**
 * Re-computes every chain in id order, a page at a time, then checks the anchors in `anchorFile`
 * (null: none, e.g. a restored copy, which may legitimately lack the newest rows). `unkeyedTail`:
 * chains may end with rows from before the key (a backup of an earlier version, not started yet).
 * `rows` counts the rows found intact before the first broken one.
 */
export async function verifyAuditChain(db: Db, options: { anchorFile?: string | null; unkeyedTail?: 'allowed' } = {}): Promise<ChainReport> {
	const anchorFile = options.anchorFile === undefined ? settings().auditAnchorFile : options.anchorFile;
	const key = auditKeys().chain;
	const chains = new Map<number, ChainState>();
	let lastId = 0;
	let rows = 0;
	for (;;) {
		const page = await db.select().from(auditLog).where(gt(auditLog.id, lastId)).orderBy(asc(auditLog.id)).limit(1000);
		if (page.length === 0) break;
		for (const row of page) {
			let state = chains.get(row.chain);
			if (!state) chains.set(row.chain, (state = { prev: null, keyed: false, unkeyedSince: null }));
			const problem = checkRow(row, state, key);
			if (problem) return { intact: false, rows, firstBrokenId: row.id, problem: `Entry ${row.id} (chain ${row.chain}): ${problem}.` };
			lastId = row.id;
			rows++;
		}
	}
	for (const [chain, state] of chains) {
		if (!state.keyed && options.unkeyedTail !== 'allowed') {
			return { intact: false, rows, firstBrokenId: state.unkeyedSince, problem: `Chain ${chain} holds only rows without the key (no rekey row): it may have been rebuilt without the key.` };
		}
	}
	if (anchorFile === null) return { intact: true, rows, anchored: 0, anchoredAt: null };
	return checkAnchors(db, anchorFile, rows);
}

async function checkAnchors(db: Db, file: string, rows: number): Promise<ChainReport> {
	const read = readAnchors(file);
	if (!read.ok) return { intact: false, rows, firstBrokenId: null, problem: `The chains verify, but ${read.problem}.` };
	const heads = [...read.latest.values()];
	if (heads.length === 0) return { intact: true, rows, anchored: 0, anchoredAt: null };
	const found = await db
		.select({ id: auditLog.id, chain: auditLog.chain, hash: auditLog.hash })
		.from(auditLog)
		.where(inArray(auditLog.id, heads.map((h) => h.id)));
	const byId = new Map(found.map((f) => [f.id, f]));
	for (const h of heads.sort((a, b) => a.id - b.id)) {
		const row = byId.get(h.id);
		if (!row) {
			return { intact: false, rows, firstBrokenId: h.id, problem: `Entry ${h.id}, anchored on ${h.at} as the newest of chain ${h.chain}, is missing: the newest entries were deleted (or the database restored from an older copy).` };
		}
		if (row.chain !== h.chain || row.hash !== h.hash) {
			return { intact: false, rows, firstBrokenId: h.id, problem: `Entry ${h.id} differs from the one anchored on ${h.at} as the newest of chain ${h.chain}: entries were deleted and replaced.` };
		}
	}
	return { intact: true, rows, anchored: heads.length, anchoredAt: heads.map((h) => h.at).sort().at(-1) ?? null };
}
