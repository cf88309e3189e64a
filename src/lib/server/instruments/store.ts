/**
 * The admins' instrument commands: upload a definition (checked and its worked examples run
 * before anything is stored), activate a version (only when every example passes, checked again
 * on the stored text), deactivate an instrument (hidden from new entries; stored data stay). Each
 * write is one transaction with its audit row; a version that scored any stored response never
 * changes (the database's trigger refuses it too).
 */
import { and, eq, sql } from 'drizzle-orm';
import { verifyDefinition, verifyDefinitionText, type Verification } from '../../instruments/verify';
import { executeRows, type Db } from '../db';
import { instrumentDefinitions } from '../db/schema';
import { appendAudit } from '../audit';
import type { Actor } from '../users';
import { canonicalOf, refreshInstruments } from './installed';
import { upsertRanges } from './builtin';

export interface DefinitionRow {
	instrumentId: string;
	version: string;
	name: string;
	status: 'draft' | 'active' | 'inactive';
	builtIn: boolean;
	sha256: string;
	/** Responses it scored, counted up to RESPONSES_COUNTED (then `responsesAtLeast`). */
	responses: number;
	responsesAtLeast: boolean;
	updatedAt: Date;
}

/**
 * The admin list counts each version's responses only this far: an exact count reads every index
 * entry (a million at 20,000 patients: the page took a second). Past it, "1,000 or more" says
 * what the page needs (the version is in use, and then widely); the re-score dry run counts exactly.
 */
export const RESPONSES_COUNTED = 1000;

/** Every stored version, with how many stored responses each scored (up to RESPONSES_COUNTED). */
export async function listDefinitions(db: Db): Promise<DefinitionRow[]> {
	const rows = await executeRows(
		db,
		sql`select d.instrument_id, d.version, d.status, d.built_in, d.sha256, d.updated_at,
				coalesce(d.definition::jsonb ->> 'title', d.definition::jsonb ->> 'name', d.instrument_id) as name,
				(select count(*)::int from (select 1 from responses r where r.definition_id = d.instrument_id and r.definition_version = d.version limit ${RESPONSES_COUNTED + 1}) x) as responses
			from instrument_definitions d order by d.built_in desc, d.instrument_id, d.created_at, d.version`
	);
	return rows.map((r) => ({
		instrumentId: String(r.instrument_id),
		version: String(r.version),
		name: String(r.name),
		status: r.status as DefinitionRow['status'],
		builtIn: Boolean(r.built_in),
		sha256: String(r.sha256),
		responses: Math.min(Number(r.responses), RESPONSES_COUNTED),
		responsesAtLeast: Number(r.responses) > RESPONSES_COUNTED,
		updatedAt: new Date(String(r.updated_at))
	}));
}

export type UploadResult =
	| { ok: true; verification: Verification; instrumentId: string; version: string; stored: 'new' | 'replaced' | 'unchanged' }
	| { ok: false; message: string; verification?: Verification };

const usedBy = async (db: Db, id: string, version: string) =>
	Number((await executeRows(db, sql`select count(*)::int as n from responses where definition_id = ${id} and definition_version = ${version}`))[0]?.n ?? 0);

/**
 * Checks a definition's text and, when its structure and every worked example pass, stores it as
 * a draft version. A version already stored is replaced only while no response used it.
 */
export async function uploadDefinition(db: Db, actor: Actor, text: string): Promise<UploadResult> {
	const verification = verifyDefinitionText(text);
	if (!verification.ok || !verification.def) {
		const message = verification.problems.length > 0
			? `The definition was refused: ${verification.problems.length} problem(s), listed below. Nothing was stored.`
			: `The definition was refused: ${verification.examples.filter((e) => !e.pass).length} of ${verification.examples.length} worked example(s) failed, listed below. Nothing was stored.`;
		return { ok: false, message, verification };
	}
	const def = verification.def;
	const { text: canonical, sha256 } = canonicalOf(def.questionnaire);
	return db.transaction(async (tx): Promise<UploadResult> => {
		const [existing] = await tx
			.select({ sha256: instrumentDefinitions.sha256, status: instrumentDefinitions.status, builtIn: instrumentDefinitions.builtIn })
			.from(instrumentDefinitions)
			.where(and(eq(instrumentDefinitions.instrumentId, def.id), eq(instrumentDefinitions.version, def.version)))
			.for('update');
		if (existing?.sha256 === sha256) return { ok: true, verification, instrumentId: def.id, version: def.version, stored: 'unchanged' };
		if (existing) {
			if (existing.builtIn) return { ok: false, message: `Version ${def.version} of ${def.id} is a built-in file and cannot be replaced: give your definition a new version.`, verification };
			const n = await usedBy(tx, def.id, def.version);
			if (n > 0) return { ok: false, message: `Version ${def.version} of ${def.id} scored ${n} stored response(s) and cannot change: give your definition a new version.`, verification };
			await tx
				.update(instrumentDefinitions)
				.set({ definition: canonical, sha256, updatedBy: actor.id, updatedAt: new Date() })
				.where(and(eq(instrumentDefinitions.instrumentId, def.id), eq(instrumentDefinitions.version, def.version)));
		} else {
			await tx.insert(instrumentDefinitions).values({ instrumentId: def.id, version: def.version, definition: canonical, sha256, status: 'draft', createdBy: actor.id, updatedBy: actor.id });
		}
		await appendAudit(tx, {
			actorId: actor.id,
			action: existing ? 'update' : 'create',
			entity: 'instrument_definition',
			entityId: `${def.id}@${def.version}`,
			...(existing ? { before: { sha256: existing.sha256, status: existing.status } } : {}),
			after: { sha256, status: existing?.status ?? 'draft', examples: verification.examples.map((e) => ({ name: e.name, pass: e.pass })) },
			requestId: actor.requestId
		});
		return { ok: true, verification, instrumentId: def.id, version: def.version, stored: existing ? 'replaced' : 'new' };
	});
}

export type StatusResult = { ok: true } | { ok: false; message: string; verification?: Verification };

/** Makes a stored version the one new entries use, after checking it again; the version it replaces is kept, inactive. */
export async function activateDefinition(db: Db, actor: Actor, instrumentId: string, version: string): Promise<StatusResult> {
	const result = await db.transaction(async (tx): Promise<StatusResult> => {
		const [row] = await tx
			.select()
			.from(instrumentDefinitions)
			.where(and(eq(instrumentDefinitions.instrumentId, instrumentId), eq(instrumentDefinitions.version, version)))
			.for('update');
		if (!row) return { ok: false, message: 'No such definition version.' };
		if (row.status === 'active') return { ok: true };
		const verification = verifyDefinition(JSON.parse(row.definition));
		if (!verification.ok || !verification.def) return { ok: false, message: 'This version does not pass its checks and worked examples: it cannot be activated.', verification };
		const [before] = await tx
			.select({ version: instrumentDefinitions.version })
			.from(instrumentDefinitions)
			.where(and(eq(instrumentDefinitions.instrumentId, instrumentId), eq(instrumentDefinitions.status, 'active')))
			.for('update');
		if (before)
			await tx
				.update(instrumentDefinitions)
				.set({ status: 'inactive', updatedBy: actor.id, updatedAt: new Date() })
				.where(and(eq(instrumentDefinitions.instrumentId, instrumentId), eq(instrumentDefinitions.version, before.version)));
		await tx
			.update(instrumentDefinitions)
			.set({ status: 'active', updatedBy: actor.id, updatedAt: new Date() })
			.where(and(eq(instrumentDefinitions.instrumentId, instrumentId), eq(instrumentDefinitions.version, version)));
		await upsertRanges(tx, verification.def);
		await appendAudit(tx, {
			actorId: actor.id,
			action: 'activate',
			entity: 'instrument_definition',
			entityId: `${instrumentId}@${version}`,
			before: { status: row.status, activeVersion: before?.version ?? null },
			after: { status: 'active', sha256: row.sha256 },
			requestId: actor.requestId
		});
		return { ok: true };
	});
	if (result.ok) await refreshInstruments(db);
	return result;
}

/** Hides an instrument from new entries; its stored responses, charts and exports stay. */
export async function deactivateInstrument(db: Db, actor: Actor, instrumentId: string): Promise<StatusResult> {
	const result = await db.transaction(async (tx): Promise<StatusResult> => {
		const rows = await tx
			.update(instrumentDefinitions)
			.set({ status: 'inactive', updatedBy: actor.id, updatedAt: new Date() })
			.where(and(eq(instrumentDefinitions.instrumentId, instrumentId), eq(instrumentDefinitions.status, 'active')))
			.returning({ version: instrumentDefinitions.version });
		if (rows.length === 0) return { ok: false, message: 'This instrument has no active version.' };
		await appendAudit(tx, {
			actorId: actor.id,
			action: 'deactivate',
			entity: 'instrument_definition',
			entityId: `${instrumentId}@${rows[0]!.version}`,
			before: { status: 'active' },
			after: { status: 'inactive' },
			requestId: actor.requestId
		});
		return { ok: true };
	});
	if (result.ok) await refreshInstruments(db);
	return result;
}

/** A stored version's text, parsed (the FHIR read, the re-score). */
export async function storedDefinition(db: Db, instrumentId: string, version?: string): Promise<{ version: string; status: string; questionnaire: unknown } | null> {
	const [row] = await db
		.select({ version: instrumentDefinitions.version, status: instrumentDefinitions.status, definition: instrumentDefinitions.definition })
		.from(instrumentDefinitions)
		.where(and(eq(instrumentDefinitions.instrumentId, instrumentId), version === undefined ? sql`${instrumentDefinitions.status} <> 'draft'` : eq(instrumentDefinitions.version, version)))
		.orderBy(sql`${instrumentDefinitions.status} = 'active' desc`, sql`${instrumentDefinitions.updatedAt} desc`)
		.limit(1);
	return row ? { version: row.version, status: row.status, questionnaire: JSON.parse(row.definition) } : null;
}
