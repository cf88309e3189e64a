/** Published effects (issue 20), entered by administrators; none are built in. Withdrawn with a reason, never edited or deleted. */
import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../db';
import { referenceEffects } from '../db/schema';
import { appendAudit } from '../audit';
import { isForeignKeyViolation } from '../errors';
import { isUuid } from '../../validation/ids';
import type { ReferenceEffectInput } from '../../validation/reference-effects';
import type { Actor } from '../users';
import type { WriteResult } from '../patients';

export interface ReferenceEffect {
	id: string;
	citation: string;
	population: string;
	conditionCode: string | null;
	instrumentId: string;
	scale: string;
	measure: 'mean_change' | 'smd';
	effect: number;
	ciLow: number;
	ciHigh: number;
	withdrawn: boolean;
	withdrawnReason: string | null;
}

const columns = {
	id: referenceEffects.id,
	citation: referenceEffects.citation,
	population: referenceEffects.population,
	conditionCode: referenceEffects.conditionCode,
	instrumentId: referenceEffects.instrumentId,
	scale: referenceEffects.scale,
	measure: referenceEffects.measure,
	effect: referenceEffects.effect,
	ciLow: referenceEffects.ciLow,
	ciHigh: referenceEffects.ciHigh,
	withdrawn: referenceEffects.withdrawn,
	withdrawnReason: referenceEffects.withdrawnReason
};

export function listReferenceEffects(db: Db, includeWithdrawn = false): Promise<ReferenceEffect[]> {
	return db
		.select(columns)
		.from(referenceEffects)
		.where(includeWithdrawn ? undefined : eq(referenceEffects.withdrawn, false))
		.orderBy(asc(referenceEffects.instrumentId), asc(referenceEffects.scale), asc(referenceEffects.createdAt), asc(referenceEffects.id));
}

/** The live published effects for these outcomes (a report's primary and secondary ones). */
export async function referenceEffectsFor(db: Db, outcomes: { instrument: string; scale: string }[]): Promise<ReferenceEffect[]> {
	const all = await listReferenceEffects(db);
	return all.filter((r) => outcomes.some((o) => o.instrument === r.instrumentId && o.scale === r.scale));
}

export async function addReferenceEffect(db: Db, actor: Actor, input: ReferenceEffectInput): Promise<WriteResult<string>> {
	try {
		const id = await db.transaction(async (tx) => {
			const [row] = await tx.insert(referenceEffects).values({ ...input, createdBy: actor.id }).returning({ id: referenceEffects.id });
			await appendAudit(tx, { actorId: actor.id, action: 'create', entity: 'reference_effect', entityId: row!.id, after: input, requestId: actor.requestId });
			return row!.id;
		});
		return { ok: true, value: id };
	} catch (err) {
		if (isForeignKeyViolation(err)) return { ok: false, field: 'conditionCode', message: 'Unknown condition.' };
		throw err;
	}
}

export async function withdrawReferenceEffect(db: Db, actor: Actor, id: string, reason: string): Promise<boolean> {
	if (!isUuid(id)) return false;
	return db.transaction(async (tx) => {
		const [row] = await tx
			.update(referenceEffects)
			.set({ withdrawn: true, withdrawnReason: reason })
			.where(and(eq(referenceEffects.id, id), eq(referenceEffects.withdrawn, false)))
			.returning({ citation: referenceEffects.citation });
		if (!row) return false;
		await appendAudit(tx, { actorId: actor.id, action: 'withdraw', entity: 'reference_effect', entityId: id, before: { withdrawn: false }, after: { withdrawn: true }, reason, requestId: actor.requestId });
		return true;
	});
}
