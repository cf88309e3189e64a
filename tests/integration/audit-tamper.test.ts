/**
 * What someone with write access to the database (but not to AUDIT_SECRET nor the anchor file)
 * can no longer do unseen: rebuild a chain after an edit, delete the newest rows, rewrite the rows
 * from before the chain was keyed. Each attack runs behind the append-only trigger, as an owner of
 * the database could.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../../src/lib/server/db';
import { auditLog } from '../../src/lib/server/db/schema';
import { anchorAuditHeads, auditHash, ensureAuditKeyed, verifyAuditChain } from '../../src/lib/server/audit';
import { createPatient } from '../../src/lib/server/patients';
import { recordVisit } from '../../src/lib/server/visits';
import { driverName, resetDatabase, testDatabase } from './db';
import { makeUser } from './helpers';

let db: Db;
let actor: { id: string };
let anchorFile: string;

beforeAll(async () => {
	db = (await testDatabase()).db;
});
beforeEach(async () => {
	await resetDatabase(db);
	anchorFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ot-anchors-')), 'audit-anchors.log');
	actor = await makeUser(db, 'clinician');
});
afterAll(() => resetDatabase(db));

/** Some history written by the app: a patient, two visits with a questionnaire each. */
async function history(): Promise<void> {
	const p = await createPatient(db, actor, { clinicRef: 'T-1', name: 'Tamper Test', dateOfBirth: '1970-01-01', sex: 'female', conditionCode: 'multiple_sclerosis', enrolledOn: '2025-01-01' });
	if (!p.ok) throw new Error(p.message);
	for (const [date, pain] of [['2025-01-01', 7], ['2025-02-01', 4]] as const) {
		const r = await recordVisit(db, actor, p.value, { visitDate: date, kind: date === '2025-01-01' ? 'baseline' : 'treatment', acupunctureSessions: 0, flare: 'no', note: null }, [{ instrumentId: 'pain_nrs', answers: { pain } }]);
		if (!r.ok) throw new Error(r.message);
	}
}

/** Behind the trigger, as the database's owner could. */
async function behindTheTrigger(statements: (tx: Db) => Promise<void>): Promise<void> {
	await db.transaction(async (tx) => {
		await tx.execute(sql`set local session_replication_role = replica`);
		await statements(tx);
	});
}

/** The attack of issue 23 #5: every hash after an edit recomputed with the published (unkeyed) rule. */
async function rebuildChains(tx: Db): Promise<void> {
	const rows = await tx.select().from(auditLog).orderBy(asc(auditLog.id));
	const prev = new Map<number, string>();
	for (const r of rows) {
		const prevHash = prev.get(r.chain) ?? null;
		const hash = auditHash(prevHash, r);
		await tx.update(auditLog).set({ prevHash, hash }).where(eq(auditLog.id, r.id));
		prev.set(r.chain, hash);
	}
}

describe(`audit chain against a database owner (${driverName})`, () => {
	it('finds an edited row even when every hash after it was recomputed', async () => {
		await history();
		expect(await verifyAuditChain(db, { anchorFile })).toMatchObject({ intact: true });
		const [visitRow] = await db.select().from(auditLog).where(eq(auditLog.entity, 'visit')).orderBy(asc(auditLog.id)).limit(1);
		await behindTheTrigger(async (tx) => {
			await tx.update(auditLog).set({ after: { ...(visitRow!.after as object), visitDate: '2024-12-31' } }).where(eq(auditLog.id, visitRow!.id));
			await rebuildChains(tx);
		});
		const report = await verifyAuditChain(db, { anchorFile });
		expect(report).toMatchObject({ intact: false });
		// The first row whose hash the key does not vouch for: the first rebuilt one.
		if (!report.intact) expect(report.firstBrokenId).toBeLessThanOrEqual(visitRow!.id);
	});

	it('finds the newest rows deleted once their head was anchored, and an anchor that was altered', async () => {
		await history();
		const anchor = await anchorAuditHeads(db, { file: anchorFile, reason: 'test' });
		expect(anchor.heads.length).toBeGreaterThan(0);
		expect(await verifyAuditChain(db, { anchorFile })).toMatchObject({ intact: true, anchored: anchor.heads.length });
		const newest = await db.select({ id: auditLog.id }).from(auditLog).orderBy(sql`${auditLog.id} desc`).limit(2);
		await behindTheTrigger(async (tx) => {
			await tx.delete(auditLog).where(sql`${auditLog.id} >= ${newest[1]!.id}`);
		});
		const report = await verifyAuditChain(db, { anchorFile });
		expect(report).toMatchObject({ intact: false, firstBrokenId: newest[0]!.id });
		if (!report.intact) expect(report.problem).toMatch(/anchored/);

		// The anchor file's lines are signed: one edited by hand is reported, not trusted.
		const text = fs.readFileSync(anchorFile, 'utf8');
		fs.writeFileSync(anchorFile, text.replace(/"id":\d+/, '"id":1'));
		expect(await verifyAuditChain(db, { anchorFile })).toMatchObject({ intact: false, problem: expect.stringMatching(/anchor file/) });
	});

	it('finds a row deleted and its id taken again after the sequence was reset', async () => {
		await history();
		await anchorAuditHeads(db, { file: anchorFile, reason: 'test' });
		const [last] = await db.select().from(auditLog).orderBy(sql`${auditLog.id} desc`).limit(1);
		await behindTheTrigger(async (tx) => {
			await tx.delete(auditLog).where(eq(auditLog.id, last!.id));
		});
		await db.execute(sql.raw(`alter table audit_log alter column id restart with ${last!.id}`));
		await makeUser(db, 'researcher');
		expect(await verifyAuditChain(db, { anchorFile })).toMatchObject({ intact: false, firstBrokenId: last!.id });
	});

	it('moves rows written before the key (the unkeyed rule) under it with one rekey row per chain, and keeps them checked', async () => {
		await history();
		// The rows as an earlier version wrote them: rebuilt with the unkeyed rule.
		await behindTheTrigger(rebuildChains);
		expect(await verifyAuditChain(db, { anchorFile })).toMatchObject({ intact: false });
		expect(await ensureAuditKeyed(db, { anchorFile })).toBe(1);
		expect(await ensureAuditKeyed(db, { anchorFile })).toBe(0);
		const rekey = await db.select().from(auditLog).where(eq(auditLog.action, 'rekey'));
		expect(rekey).toHaveLength(1);
		expect(await verifyAuditChain(db, { anchorFile })).toMatchObject({ intact: true });
		await makeUser(db, 'admin');
		expect(await verifyAuditChain(db, { anchorFile })).toMatchObject({ intact: true });

		// An edit of an unkeyed row, with its chain rebuilt up to the rekey row: the rekey row's key
		// covers the unkeyed head, so it no longer verifies.
		const [first] = await db.select().from(auditLog).orderBy(asc(auditLog.id)).limit(1);
		await behindTheTrigger(async (tx) => {
			await tx.update(auditLog).set({ reason: 'rewritten' }).where(eq(auditLog.id, first!.id));
			const rows = await tx.select().from(auditLog).where(sql`${auditLog.id} < ${rekey[0]!.id}`).orderBy(asc(auditLog.id));
			let prevHash: string | null = null;
			for (const r of rows) {
				const hash = auditHash(prevHash, r);
				await tx.update(auditLog).set({ prevHash, hash }).where(eq(auditLog.id, r.id));
				prevHash = hash;
			}
		});
		expect(await verifyAuditChain(db, { anchorFile })).toMatchObject({ intact: false, firstBrokenId: rekey[0]!.id });
	});

	it('refuses unkeyed rows appended after the rekey row', async () => {
		await history();
		await behindTheTrigger(rebuildChains);
		await ensureAuditKeyed(db, { anchorFile });
		const [head] = await db.select().from(auditLog).orderBy(sql`${auditLog.id} desc`).limit(1);
		const forged = { at: new Date(), actorId: actor.id, action: 'create', entity: 'user', entityId: 'x', before: null, after: { role: 'admin' }, reason: null, requestId: null };
		const [row] = await db.insert(auditLog).values({ ...forged, chain: head!.chain, prevHash: head!.hash, hash: auditHash(head!.hash, forged) }).returning({ id: auditLog.id });
		expect(await verifyAuditChain(db, { anchorFile })).toMatchObject({ intact: false, firstBrokenId: row!.id });
	});
});
