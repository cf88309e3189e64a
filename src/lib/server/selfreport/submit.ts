/**
 * The patient's submission: every form of the self-report scored by its instrument's own rules
 * first (an answer out of range, or more missing items than the rule allows, refuses the whole
 * submission and names the items), then, in one transaction, the self-report marked used — only
 * if it still is usable, so two submissions of one link cannot both land — and the answers stored
 * to await a clinician's review.
 */
import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Db } from '../db';
import { selfReportAnswers, selfReportLinks } from '../db/schema';
import { appendAudit } from '../audit';
import { scoreAll, type ItemError, type ResponseInput } from '../visits';
import type { OpenSelfReport } from './links';

export type SubmitResult = { ok: true } | { ok: false; reason: 'answers'; errors: Record<string, ItemError[]> } | { ok: false; reason: 'gone' };

export async function submitSelfReport(db: Db, open: OpenSelfReport, inputs: ResponseInput[], requestId?: string): Promise<SubmitResult> {
	const chosen = inputs.filter((i) => open.instruments.includes(i.instrumentId));
	const missing = open.instruments.filter((id) => !chosen.some((i) => i.instrumentId === id));
	const { scored, errors } = scoreAll(chosen);
	for (const id of missing) errors[id] = [{ message: 'This form was not sent.' }];
	if (Object.keys(errors).length > 0) return { ok: false, reason: 'answers', errors };
	return db.transaction(async (tx): Promise<SubmitResult> => {
		const now = new Date();
		const [used] = await tx
			.update(selfReportLinks)
			.set({ usedAt: now })
			.where(and(eq(selfReportLinks.id, open.id), isNull(selfReportLinks.usedAt), isNull(selfReportLinks.revokedAt), gt(selfReportLinks.expiresAt, now)))
			.returning({ id: selfReportLinks.id });
		if (!used) return { ok: false, reason: 'gone' };
		await tx.insert(selfReportAnswers).values(scored.map((s) => ({ linkId: open.id, instrumentId: s.instrumentId, answers: s.answers, submittedAt: now })));
		await appendAudit(tx, {
			actorId: null,
			action: 'submit',
			entity: 'self_report',
			entityId: open.id,
			after: { visitId: open.visitId, mode: open.mode, forms: scored.map((s) => ({ instrumentId: s.instrumentId, answers: s.answers })) },
			requestId
		});
		return { ok: true };
	});
}
