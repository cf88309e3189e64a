/**
 * Re-scoring an instrument's stored responses under its active version: an explicit admin action.
 * The dry run computes every new score and reports how many would change and by how much; the run
 * does the same inside one transaction, writes the changed scores, names the new definition on
 * each response and keeps the old scores in one audit row per response (as an edit does), plus a
 * summary row. Responses the new version refuses keep their scores and are reported.
 */
import { and, eq, inArray, ne, or, isNull, sql } from 'drizzle-orm';
import { scoreWith } from '../../instruments';
import { getInstrument } from '../../instruments/registry';
import { readDefinition } from '../../instruments/definition';
import type { InstrumentDef } from '../../instruments/types';
import type { Questionnaire } from '../../instruments/fhir';
import type { Db } from '../db';
import { instrumentDefinitions, responses, responseScores, visits } from '../db/schema';
import { appendAuditMany, type AuditEntry } from '../audit';
import { lockPatients, rollupAfter, rollupBefore } from '../cohort/rollup';
import type { Actor } from '../users';
import { definitionRef, refreshInstruments } from './installed';

export interface ScaleChange {
	scale: string;
	changed: number;
	largest: number;
	mean: number;
}

export interface RescorePlan {
	instrumentId: string;
	version: string;
	/** Responses scored with another version. */
	considered: number;
	changed: number;
	refused: number;
	scales: ScaleChange[];
}

interface Planned {
	id: string;
	patientId: string;
	version: number;
	oldDefinition: string | null;
	before: Record<string, number | null>;
	after: Record<string, number | null>;
	changed: boolean;
}

const same = (a: number | null | undefined, b: number | null | undefined) => (a ?? null) === (b ?? null) || (a != null && b != null && Math.abs(a - b) <= 1e-12);

async function activeDef(db: Db, instrumentId: string): Promise<InstrumentDef | null> {
	const [row] = await db
		.select({ definition: instrumentDefinitions.definition })
		.from(instrumentDefinitions)
		.where(and(eq(instrumentDefinitions.instrumentId, instrumentId), eq(instrumentDefinitions.status, 'active')));
	if (!row) return null;
	const def = readDefinition(JSON.parse(row.definition) as Questionnaire).def;
	// The installed object when it is the same text (its compiled form is cached).
	const installed = getInstrument(instrumentId);
	return installed && installed.version === def.version && definitionRef(installed).definitionSha256 === definitionRef(def).definitionSha256 ? installed : def;
}

async function plan(db: Db, def: InstrumentDef, lock: boolean): Promise<{ summary: RescorePlan; rows: Planned[] }> {
	const ref = definitionRef(def);
	const stale = and(eq(responses.instrumentId, def.id), or(isNull(responses.definitionSha256), ne(responses.definitionVersion, def.version), ne(responses.definitionSha256, ref.definitionSha256)));
	const q = db
		.select({ id: responses.id, patientId: visits.patientId, version: responses.version, answers: responses.answers, definitionVersion: responses.definitionVersion })
		.from(responses)
		.innerJoin(visits, eq(visits.id, responses.visitId))
		.where(stale)
		.orderBy(responses.id);
	const found = lock ? await q.for('no key update', { of: responses }) : await q;
	const scores = new Map<string, Record<string, number | null>>();
	for (let i = 0; i < found.length; i += 10_000) {
		const ids = found.slice(i, i + 10_000).map((r) => r.id);
		for (const s of await db.select().from(responseScores).where(inArray(responseScores.responseId, ids))) (scores.get(s.responseId) ?? scores.set(s.responseId, {}).get(s.responseId)!)[s.scale] = s.value;
	}
	const rows: Planned[] = [];
	let refused = 0;
	const diffs = new Map<string, number[]>();
	for (const r of found) {
		const result = scoreWith(def, r.answers);
		if (!result.ok) {
			refused += 1;
			continue;
		}
		const before = scores.get(r.id) ?? {};
		let changed = false;
		for (const scale of new Set([...Object.keys(before), ...Object.keys(result.scores)])) {
			if (same(before[scale], result.scores[scale])) continue;
			changed = true;
			const a = before[scale], b = result.scores[scale];
			const list = diffs.get(scale) ?? diffs.set(scale, []).get(scale)!;
			list.push(a != null && b != null ? Math.abs(b - a) : Number.NaN);
		}
		rows.push({ id: r.id, patientId: r.patientId, version: r.version, oldDefinition: r.definitionVersion, before, after: result.scores, changed });
	}
	const scales = [...diffs.entries()].map(([scale, d]) => {
		const numeric = d.filter((x) => !Number.isNaN(x));
		return { scale, changed: d.length, largest: numeric.length ? Math.max(...numeric) : 0, mean: numeric.length ? numeric.reduce((s, x) => s + x, 0) / numeric.length : 0 };
	});
	return { summary: { instrumentId: def.id, version: def.version, considered: found.length, changed: rows.filter((r) => r.changed).length, refused, scales }, rows };
}

/** What a re-score under the active version would change; nothing is written. */
export async function rescoreDryRun(db: Db, instrumentId: string): Promise<RescorePlan | { error: string }> {
	const def = await activeDef(db, instrumentId);
	if (!def) return { error: 'This instrument has no active version to re-score with.' };
	return (await plan(db, def, false)).summary;
}

/** Re-scores the instrument's responses under its active version, audited; the old scores stay in the audit rows. */
export async function rescoreInstrument(db: Db, actor: Actor, instrumentId: string, reason: string): Promise<RescorePlan | { error: string }> {
	const result = await db.transaction(async (tx): Promise<RescorePlan | { error: string }> => {
		const def = await activeDef(tx, instrumentId);
		if (!def) return { error: 'This instrument has no active version to re-score with.' };
		const first = await plan(tx, def, false);
		await lockPatients(tx, first.rows.map((r) => r.patientId));
		const { summary, rows } = await plan(tx, def, true);
		if (rows.length === 0) return summary;
		const ref = definitionRef(def);
		const rollup = await rollupBefore(tx, rows.map((r) => r.patientId), [def.id]);
		const ids = rows.map((r) => r.id);
		for (let i = 0; i < ids.length; i += 10_000) {
			const chunk = ids.slice(i, i + 10_000);
			await tx
				.update(responses)
				.set({ ...ref, instrumentVersion: def.version, scoringVersion: def.scoringVersion, version: sql`${responses.version} + 1`, updatedAt: new Date() })
				.where(inArray(responses.id, chunk));
		}
		const changed = rows.filter((r) => r.changed);
		const scaleKeys = def.scales.map((s) => s.key);
		for (let i = 0; i < changed.length; i += 5_000) {
			const chunk = changed.slice(i, i + 5_000);
			await tx.delete(responseScores).where(and(inArray(responseScores.responseId, chunk.map((r) => r.id)), sql`${responseScores.scale} not in (${sql.join(scaleKeys.map((k) => sql`${k}`), sql`, `)})`));
			const values = chunk.flatMap((r) => Object.entries(r.after).map(([scale, value]) => ({ responseId: r.id, instrumentId: def.id, scale, value })));
			if (values.length > 0)
				await tx.insert(responseScores).values(values).onConflictDoUpdate({ target: [responseScores.responseId, responseScores.scale], set: { value: sql`excluded.value` } });
		}
		await rollupAfter(tx, rollup);
		const audit: AuditEntry[] = changed.map((r) => ({
			actorId: actor.id,
			action: 'rescore',
			entity: 'response',
			entityId: r.id,
			before: { definitionVersion: r.oldDefinition, scores: r.before },
			after: { definitionVersion: def.version, definitionSha256: ref.definitionSha256, scores: r.after },
			reason,
			requestId: actor.requestId
		}));
		audit.push({ actorId: actor.id, action: 'rescore', entity: 'instrument_definition', entityId: `${def.id}@${def.version}`, after: summary, reason, requestId: actor.requestId });
		await appendAuditMany(tx, audit);
		return summary;
	});
	await refreshInstruments(db);
	return result;
}
