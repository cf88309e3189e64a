/**
 * The built-in Questionnaire files, registered in instrument_definitions at start-up (after the
 * migrations): a file version not stored yet is added, so a release that ships a new file or a
 * new version needs no migration. Then responses stored before definitions were recorded get the
 * built-in version they were scored with (its text's digest), once.
 */
import { sql } from 'drizzle-orm';
import { BUILT_IN } from '../../instruments/definitions';
import { readDefinition } from '../../instruments/definition';
import type { InstrumentDef } from '../../instruments/types';
import { executeRows, type Db } from '../db';
import { canonicalOf } from './installed';

const REGISTER_LOCK = 0x18d1; // one starting copy registers at a time

/** Widens the per-instrument ranges the database checks answers and scores against (never narrows: stored data stay valid). */
export async function upsertRanges(tx: Db, def: InstrumentDef): Promise<void> {
	const scales = def.scales.map((s) => ({ instrument_id: def.id, scale: s.key, min: s.min, max: s.max }));
	const items = def.items.map((i) => ({ instrument_id: def.id, item_key: i.key, min: i.min, max: i.max }));
	if (scales.length > 0)
		await tx.execute(sql`insert into instrument_scales (instrument_id, scale, min, max)
			select r.instrument_id, r.scale, r.min, r.max from json_populate_recordset(null::instrument_scales, ${JSON.stringify(scales)}::json) r
			on conflict (instrument_id, scale) do update set min = least(instrument_scales.min, excluded.min),
				max = case when instrument_scales.max is null or excluded.max is null then null else greatest(instrument_scales.max, excluded.max) end`);
	if (items.length > 0)
		await tx.execute(sql`insert into instrument_items (instrument_id, item_key, min, max)
			select r.instrument_id, r.item_key, r.min, r.max from json_populate_recordset(null::instrument_items, ${JSON.stringify(items)}::json) r
			on conflict (instrument_id, item_key) do update set min = least(instrument_items.min, excluded.min), max = greatest(instrument_items.max, excluded.max)`);
}

/** Registers every built-in file version not stored yet; returns how many were added. */
export async function registerBuiltInDefinitions(db: Db): Promise<number> {
	const files = BUILT_IN.map((q) => ({ def: readDefinition(q).def, ...canonicalOf(q) }));
	const stored = await executeRows(db, sql`select instrument_id, version, sha256 from instrument_definitions where built_in`);
	const known = new Map(stored.map((r) => [`${r.instrument_id}\u0000${r.version}`, String(r.sha256)]));
	const missing = files.filter((f) => !known.has(`${f.def.id}\u0000${f.def.version}`));
	for (const f of files) {
		const sha = known.get(`${f.def.id}\u0000${f.def.version}`);
		if (sha && sha !== f.sha256) console.warn(`The built-in file ${f.def.id} version ${f.def.version} differs from the stored one: give the changed file a new version.`);
	}
	let added = 0;
	if (missing.length > 0) {
		await db.transaction(async (tx) => {
			await tx.execute(sql`select pg_advisory_xact_lock(${REGISTER_LOCK})`);
			for (const f of missing) {
				// The new file version is the one in use unless the clinic chose otherwise: it replaces an
				// active built-in version; beside a clinic's own active version it waits as a draft; an
				// instrument the admins deactivated stays inactive.
				const [state] = await executeRows(
					tx,
					sql`select bool_or(status = 'active') as any_active, bool_or(status = 'active' and not built_in) as clinic_active, count(*)::int as n
						from instrument_definitions where instrument_id = ${f.def.id}`
				);
				const status = !state || Number(state.n) === 0 || (state.any_active && !state.clinic_active) ? 'active' : state.clinic_active ? 'draft' : 'inactive';
				if (status === 'active') await tx.execute(sql`update instrument_definitions set status = 'inactive', updated_at = now() where instrument_id = ${f.def.id} and status = 'active'`);
				const rows = await executeRows(
					tx,
					sql`insert into instrument_definitions (instrument_id, version, definition, sha256, status, built_in)
						values (${f.def.id}, ${f.def.version}, ${f.text}, ${f.sha256}, ${status}, true)
						on conflict (instrument_id, version) do nothing returning instrument_id`
				);
				if (rows.length > 0) {
					added += 1;
					await upsertRanges(tx, f.def);
				}
			}
		});
	}
	await fillResponseDefinitions(db);
	return added;
}

/** Responses stored before definitions were recorded: the built-in version of the same number, else the instrument's built-in in use. */
async function fillResponseDefinitions(db: Db): Promise<void> {
	await db.execute(sql`update responses r set (definition_id, definition_version, definition_sha256) = (
			select d.instrument_id, d.version, d.sha256 from instrument_definitions d
			where d.instrument_id = r.instrument_id and d.built_in
			order by d.version = r.instrument_version desc, d.status = 'active' desc, d.version desc limit 1
		)
		where r.definition_sha256 is null and exists (select 1 from instrument_definitions d where d.instrument_id = r.instrument_id and d.built_in)`);
}
