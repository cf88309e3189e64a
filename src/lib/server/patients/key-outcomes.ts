/** Each condition's key outcomes: the scales its patients' pages open first (admins choose). */
import { eq } from 'drizzle-orm';
import type { Db } from '../db';
import { conditions } from '../db/schema';
import { appendAudit } from '../audit';
import { getInstrument } from '../../instruments';
import type { Actor } from '../users';
import type { WriteResult } from './index';

/** 'instrument:scale' when both exist in the registry. */
export function isKnownScale(outcome: string): boolean {
	const [instrument, scale, extra] = outcome.split(':');
	return extra === undefined && Boolean(getInstrument(instrument ?? '')?.scales.some((s) => s.key === scale));
}

export async function setKeyOutcomes(db: Db, actor: Actor, code: string, outcomes: string[]): Promise<WriteResult> {
	const chosen = [...new Set(outcomes)];
	if (chosen.some((o) => !isKnownScale(o))) return { ok: false, field: 'keyOutcomes', message: 'Choose scales from the list.' };
	if (chosen.length > 20) return { ok: false, field: 'keyOutcomes', message: 'Choose at most 20 key outcomes.' };
	return db.transaction(async (tx): Promise<WriteResult> => {
		const [before] = await tx.select({ keyOutcomes: conditions.keyOutcomes }).from(conditions).where(eq(conditions.code, code)).for('update');
		if (!before) return { ok: false, field: 'form', message: 'No such condition.' };
		await tx.update(conditions).set({ keyOutcomes: chosen }).where(eq(conditions.code, code));
		await appendAudit(tx, { actorId: actor.id, action: 'update', entity: 'condition', entityId: code, before: { keyOutcomes: before.keyOutcomes }, after: { keyOutcomes: chosen }, requestId: actor.requestId });
		return { ok: true };
	});
}
