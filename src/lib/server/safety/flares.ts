/**
 * Flare episodes: onset, end (or ongoing), severity, suspected triggers, whether treatment had to
 * change. They replace the visit's bare yes/no (kept readable). Recorded, edited with a reason
 * (optimistic locking) or voided — never deleted — each write with its audit row.
 */
import { isUuid } from '$lib/validation/ids';
import { asc, eq } from 'drizzle-orm';
import type { Db } from '../db';
import { flareEpisodes, patients } from '../db/schema';
import { appendAudit } from '../audit';
import type { Actor } from '../users';
import type { WriteResult } from '../patients';
import type { FlareInput } from '../../validation/safety';
import { ARCHIVED, CONFLICT_MESSAGE, refusal } from './refusals';

export type FlareRow = typeof flareEpisodes.$inferSelect;

export function flareSnapshot(f: Pick<FlareRow, 'onsetOn' | 'endedOn' | 'severity' | 'triggers' | 'treatmentChanged' | 'note'> & Partial<Pick<FlareRow, 'voided' | 'voidReason'>>) {
	return {
		onsetOn: f.onsetOn,
		endedOn: f.endedOn,
		severity: f.severity,
		triggers: f.triggers,
		treatmentChanged: f.treatmentChanged,
		note: f.note,
		voided: f.voided ?? false,
		voidReason: f.voidReason ?? null
	};
}

async function patientProblem(db: Db, patientId: string, input: FlareInput) {
	const [p] = await db.select({ enrolledOn: patients.enrolledOn, archived: patients.archived }).from(patients).where(eq(patients.id, patientId)).for('no key update');
	if (!p) return { ok: false, field: 'patient', message: 'No such patient.' } as const;
	if (p.archived) return { ok: false, field: 'form', message: ARCHIVED } as const;
	if (input.onsetOn < p.enrolledOn) return { ok: false, field: 'onsetOn', message: `The onset cannot be before enrolment (${p.enrolledOn}).` } as const;
	return null;
}

export async function recordFlare(db: Db, actor: Actor, patientId: string, input: FlareInput): Promise<WriteResult<string>> {
	if (!isUuid(patientId)) return { ok: false, field: 'patient', message: 'No such patient.' };
	try {
		return await db.transaction(async (tx): Promise<WriteResult<string>> => {
			const problem = await patientProblem(tx, patientId, input);
			if (problem) return problem;
			const [row] = await tx
				.insert(flareEpisodes)
				.values({ ...input, patientId, createdBy: actor.id })
				.returning({ id: flareEpisodes.id });
			await appendAudit(tx, { actorId: actor.id, action: 'create', entity: 'flare_episode', entityId: row!.id, after: { patientId, ...flareSnapshot(input) }, requestId: actor.requestId });
			return { ok: true, value: row!.id };
		});
	} catch (err) {
		const refused = refusal(err);
		if (refused) return refused;
		throw err;
	}
}

export type FlareChange = FlareInput | { voided: true; voidReason: string };

export async function updateFlare(db: Db, actor: Actor, flareId: string, expectedVersion: number, change: FlareChange, reason: string): Promise<WriteResult> {
	if (!isUuid(flareId)) return { ok: false, field: 'form', message: 'No such flare.' };
	try {
		return await db.transaction(async (tx): Promise<WriteResult> => {
			const [before] = await tx.select().from(flareEpisodes).where(eq(flareEpisodes.id, flareId)).for('no key update');
			if (!before) return { ok: false, field: 'form', message: 'No such flare.' };
			if (before.version !== expectedVersion) {
				return { ok: false, field: 'conflict', message: CONFLICT_MESSAGE, current: { ...flareSnapshot(before), version: before.version } };
			}
			if (before.voided) return { ok: false, field: 'form', message: 'This flare is voided; it cannot be changed.' };
			const voiding = 'voided' in change;
			if (!voiding) {
				const problem = await patientProblem(tx, before.patientId, change);
				if (problem) return problem;
			}
			const fields = voiding ? { voided: true, voidReason: change.voidReason } : change;
			await tx
				.update(flareEpisodes)
				.set({ ...fields, version: before.version + 1, updatedAt: new Date() })
				.where(eq(flareEpisodes.id, flareId));
			await appendAudit(tx, {
				actorId: actor.id,
				action: voiding ? 'void' : 'update',
				entity: 'flare_episode',
				entityId: flareId,
				before: flareSnapshot(before),
				after: flareSnapshot({ ...before, ...fields }),
				reason,
				requestId: actor.requestId
			});
			return { ok: true };
		});
	} catch (err) {
		const refused = refusal(err);
		if (refused) return refused;
		throw err;
	}
}

export async function getFlare(db: Db, flareId: string): Promise<FlareRow | undefined> {
	if (!isUuid(flareId)) return undefined;
	const [row] = await db.select().from(flareEpisodes).where(eq(flareEpisodes.id, flareId));
	return row;
}

/** A patient's flare episodes, voided ones too (marked), by onset. */
export function patientFlares(db: Db, patientId: string) {
	return db.select().from(flareEpisodes).where(eq(flareEpisodes.patientId, patientId)).orderBy(asc(flareEpisodes.onsetOn), asc(flareEpisodes.createdAt), asc(flareEpisodes.id));
}
