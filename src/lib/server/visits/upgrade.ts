/**
 * Migration 0014 made a patient's live visits unique per date. A database written before it could
 * hold two on one date; the migration voided every one but the first recorded, with
 * UPGRADE_VOID_REASON (SQL cannot write the audit chain, which is hashed here). At start-up this
 * writes one audit row per such void and marks the cohort rollup stale, so ensureRollups, run
 * next, rebuilds it without the voided visits' points. Runs once: a void with its audit row is
 * not looked at again.
 */
import { sql } from 'drizzle-orm';
import { executeRows, type Db } from '../db';
import { appendAuditMany } from '../audit';
import { visitSnapshot } from './index';

type Snapshot = Parameters<typeof visitSnapshot>[0];

/** The exact reason the migration wrote (drizzle/0014_one_visit_per_date.sql). */
export const UPGRADE_VOID_REASON =
	'Voided by the upgrade to one visit per patient per date: another visit on this date was recorded first. Restore it after moving one of them to its true date.';

/** Audits the upgrade's voids that have no audit row yet; answers how many it found. */
export async function settleUpgradeVoids(db: Db): Promise<number> {
	return db.transaction(async (tx) => {
		const rows = await executeRows(
			tx,
			sql`select v.id, v.patient_id, v.visit_date, v.kind, v.acupuncture_sessions, v.flare, v.note from visits v
				where v.voided and v.void_reason = ${UPGRADE_VOID_REASON}
					and not exists (select 1 from audit_log a where a.entity = 'visit' and a.entity_id = v.id::text and a.action = 'void')
				order by v.created_at, v.id`
		);
		if (rows.length === 0) return 0;
		const visit = (r: Record<string, unknown>, voided: boolean) =>
			visitSnapshot({
				visitDate: String(r.visit_date),
				kind: r.kind as Snapshot['kind'],
				acupunctureSessions: Number(r.acupuncture_sessions),
				flare: r.flare as Snapshot['flare'],
				note: (r.note as string | null) ?? null,
				voided,
				voidReason: voided ? UPGRADE_VOID_REASON : null
			});
		await appendAuditMany(
			tx,
			rows.map((r) => ({ actorId: null, action: 'void', entity: 'visit', entityId: String(r.id), before: visit(r, false), after: visit(r, true), reason: UPGRADE_VOID_REASON }))
		);
		// The rollup still counts the voided visits' scores: ensureRollups rebuilds a stale one.
		await tx.execute(sql`update rollup_state set version = 0 where name = 'scale_histogram'`);
		return rows.length;
	});
}
