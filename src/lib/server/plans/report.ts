/**
 * A plan's report for a caller: the newest locked version (or the one asked for), computed by the
 * engine (src/lib/server/reports), with the plan's versions and the published effects for its
 * outcomes. A plan whose enrolment period is day-precise (an administrator's) is reported to
 * administrators only: below admin, periods are whole quarters (docs/security.md). Every report
 * read is audited, as cohort queries are.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../db';
import type { Role } from '../db/schema';
import { appendReadAudit } from '../audit';
import { computeReport } from '../reports/compute';
import { mayFilterByDay, periodErrors } from '../../privacy/periods';
import { combinesPeriodAndSessions } from '../../validation/plans';
import type { EvidenceReport, PlanBody } from '../../reports/types';
import { getPlanVersion, latestLockedVersion, planVersions, type PlanVersion } from '.';
import { referenceEffectsFor, type ReferenceEffect } from './reference-effects';

export type ReportRead =
	| { ok: true; report: EvidenceReport; plan: PlanBody; version: PlanVersion; versions: PlanVersion[]; references: ReferenceEffect[] }
	| { ok: false; status: 404 | 403 | 409; message: string };

export async function readReport(
	db: Db,
	read: Db,
	caller: { id: string; role: Role; requestId?: string },
	planId: string,
	opts: { k: number; version?: number; via: 'page' | 'api' | 'csv' }
): Promise<ReportRead> {
	const chosen = opts.version === undefined ? await latestLockedVersion(read, planId) : await getPlanVersion(read, planId, opts.version);
	if (!chosen) {
		const any = await planVersions(read, planId);
		if (any.length === 0 || opts.version !== undefined) return { ok: false, status: 404, message: 'No such analysis plan.' };
		return { ok: false, status: 409, message: 'This plan is not locked yet: a report is made from a locked plan only.' };
	}
	if (chosen.status === 'draft' || !chosen.sha256 || !chosen.lockedAt) return { ok: false, status: 409, message: `Version ${chosen.version} is a draft: a report is made from a locked plan only.` };
	const plan = chosen.body;
	if (!mayFilterByDay(caller.role) && Object.keys(periodErrors({ from: plan.enrolled_from, to: plan.enrolled_to })).length > 0) {
		return { ok: false, status: 403, message: 'This plan selects patients by day-precise enrolment dates, which only administrators may see results for.' };
	}
	if (!mayFilterByDay(caller.role) && combinesPeriodAndSessions(plan)) {
		return { ok: false, status: 403, message: 'This plan selects patients by enrolment period and by number of sessions, which only administrators may see results for: two such plans could be subtracted to single out a patient.' };
	}
	const meta = { id: chosen.planId, version: chosen.version, sha256: chosen.sha256, locked_at: chosen.lockedAt.toISOString() };
	const [report, versions, references] = await Promise.all([
		computeReport(read, plan, meta, { k: opts.k, role: caller.role, versionId: chosen.id }),
		planVersions(read, planId),
		referenceEffectsFor(read, [plan.primary, ...plan.secondary]),
		appendReadAudit(db, { actorId: caller.id, action: 'view', entity: 'report', entityId: randomUUID(), after: { via: opts.via, plan_id: chosen.planId, version: chosen.version, sha256: chosen.sha256 }, requestId: caller.requestId })
	]);
	return { ok: true, report, plan, version: chosen, versions, references };
}
