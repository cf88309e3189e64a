/**
 * Anchors: the chains' heads (each chain's newest row id and hash) with the time, signed with the
 * audit key (HMAC-SHA-256 under its anchor half) and written outside the database — appended to a
 * file (AUDIT_ANCHOR_FILE, default DATA_DIR/audit-anchors.log) and printed to the log. A keyed
 * chain shows any change before its newest row; only an anchor shows that newest rows were
 * deleted: verify requires every chain to still hold the newest row anchored for it, unchanged.
 *
 * Written at start-up, every AUDIT_ANCHOR_SECONDS when a head moved, after a rekey and at
 * shutdown. Rows written after the last anchor can be deleted unseen: that interval is the window.
 * One line per anchor, JSON: {"v":1,"at":…,"reason":…,"heads":[{"chain","id","hash"}…],"mac":…}.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { executeRows, type Db } from '../db';
import type { Settings } from '../config';
import { canonicalJson } from './chain';
import { auditKeys } from './key';
import { chainHeadsSql } from './locks';

export interface ChainHead {
	chain: number;
	id: number;
	hash: string;
}

export interface Anchor {
	v: 1;
	at: string;
	reason: string;
	heads: ChainHead[];
	mac: string;
}

export function auditAnchorFile(s: Settings): string {
	return s.auditAnchorFile;
}

/** The newest row of every chain that has rows, as committed now. */
export async function chainHeads(db: Db): Promise<ChainHead[]> {
	const rows = await executeRows(db, chainHeadsSql());
	return rows.filter((r) => r.id != null).map((r) => ({ chain: Number(r.chain), id: Number(r.id), hash: String(r.hash) }));
}

function macOf(a: Omit<Anchor, 'mac'>): string {
	return createHmac('sha256', auditKeys().anchor).update(canonicalJson({ v: a.v, at: a.at, reason: a.reason, heads: a.heads }), 'utf8').digest('hex');
}

/** Reads the heads, signs them and appends the line to `file` and the log. */
export async function anchorAuditHeads(db: Db, options: { file: string; reason: string }): Promise<Anchor> {
	const unsigned = { v: 1 as const, at: new Date().toISOString(), reason: options.reason, heads: await chainHeads(db) };
	const anchor: Anchor = { ...unsigned, mac: macOf(unsigned) };
	const line = JSON.stringify(anchor);
	fs.mkdirSync(path.dirname(options.file), { recursive: true });
	// One write of one line with O_APPEND: processes sharing the file do not interleave lines.
	fs.appendFileSync(options.file, line + '\n', { mode: 0o600 });
	console.log(`audit anchor ${line}`);
	return anchor;
}

/** The newest head anchored for each chain, from every validly signed line of `file`. */
export type AnchorRead = { ok: true; latest: Map<number, ChainHead & { at: string }>; lines: number } | { ok: false; problem: string };

export function readAnchors(file: string): AnchorRead {
	const latest = new Map<number, ChainHead & { at: string }>();
	if (!fs.existsSync(file)) return { ok: true, latest, lines: 0 };
	const lines = fs.readFileSync(file, 'utf8').split('\n');
	// A last line without its newline was cut short by a crash mid-write: not an anchor.
	lines.pop();
	let n = 0;
	for (const line of lines) {
		n++;
		if (line.trim() === '') continue;
		let anchor: Anchor;
		try {
			anchor = JSON.parse(line) as Anchor;
		} catch {
			return { ok: false, problem: `line ${n} of the anchor file (${file}) is not an anchor: the file was altered` };
		}
		const expected = Buffer.from(macOf(anchor), 'hex');
		const given = Buffer.from(typeof anchor.mac === 'string' ? anchor.mac : '', 'hex');
		if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
			return { ok: false, problem: `line ${n} of the anchor file (${file}) is not signed with AUDIT_SECRET: the file was altered, or the secret changed` };
		}
		for (const h of anchor.heads) {
			const known = latest.get(h.chain);
			if (!known || h.id > known.id) latest.set(h.chain, { ...h, at: anchor.at });
		}
	}
	return { ok: true, latest, lines: n };
}

/**
 * Anchors now, then every `seconds` when a head moved; `stop` ends the timer and anchors once
 * more (at shutdown, before the database closes). `db` is read per use: the handle can change.
 */
export function startAuditAnchoring(db: () => Db, file: string, seconds: number): { stop: () => Promise<void> } {
	let last = '';
	let running: Promise<unknown> = Promise.resolve();
	const anchor = (reason: string, always: boolean) => {
		running = running
			.then(async () => {
				const heads = JSON.stringify(await chainHeads(db()));
				if (!always && heads === last) return;
				last = JSON.stringify((await anchorAuditHeads(db(), { file, reason })).heads);
			})
			.catch((err) => console.error(`Anchoring the audit chain heads failed (${reason}):`, err instanceof Error ? err.message : err));
		return running;
	};
	void anchor('start', true);
	const timer = setInterval(() => void anchor('interval', false), seconds * 1000);
	timer.unref();
	return {
		stop: async () => {
			clearInterval(timer);
			await anchor('shutdown', true);
		}
	};
}
