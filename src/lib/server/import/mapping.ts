/**
 * Mapping: which field each of the file's columns holds, and the date format. Saving one
 * remembers it per header (for the next file) and makes the last dry run no longer count.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db';
import { importColumnMemory, importIssues, imports } from '../db/schema';
import { appendAudit } from '../audit';
import type { Actor } from '../users';
import { checkMapping, headerKey, type DateFormat, type Mapping } from '../../import/fields';
import { getImport } from './staging';

/** The remembered date format's key: no header can produce it (headerKey trims underscores). */
export const DATE_FORMAT_MEMORY = '__date_format';

export async function rememberedMapping(db: Db): Promise<Record<string, string | null>> {
	const rows = await db.select().from(importColumnMemory);
	return Object.fromEntries(rows.map((r) => [r.headerKey, r.field]));
}

export type MappingResult = { ok: true } | { ok: false; errors: Record<string, string> };

/** Saves the mapping (and remembers it per header for the next file); the last dry run no longer counts. */
export async function saveMapping(db: Db, actor: Actor, id: string, mapping: Mapping, dateFormat: DateFormat): Promise<MappingResult> {
	const imp = await getImport(db, id);
	if (!imp || !imp.headers || !['uploaded', 'validated'].includes(imp.status)) {
		return { ok: false, errors: { form: 'This import can no longer be changed.' } };
	}
	const headers = imp.headers;
	if (mapping.length !== headers.length) return { ok: false, errors: { form: 'The mapping does not match the file’s columns.' } };
	const errors = checkMapping(headers, mapping);
	if (Object.keys(errors).length > 0) {
		return { ok: false, errors: Object.fromEntries(Object.entries(errors).map(([k, m]) => [k === 'form' ? 'form' : `col${k}`, m])) };
	}
	const saved = await db.transaction(async (tx) => {
		// Only while it can still change (not committed, discarded or expired since it was read).
		const [row] = await tx
			.update(imports)
			.set({ mapping, dateFormat, status: 'uploaded', summary: null, validatedAt: null })
			.where(and(eq(imports.id, id), inArray(imports.status, ['uploaded', 'validated'])))
			.returning({ id: imports.id });
		if (!row) return false;
		await tx.delete(importIssues).where(eq(importIssues.importId, id));
		const memory = headers.map((h, i) => ({ headerKey: headerKey(h), field: mapping[i] ?? null, updatedBy: actor.id, updatedAt: new Date() }));
		// The date format is remembered too, under a key no header can produce (headerKey trims underscores).
		memory.push({ headerKey: DATE_FORMAT_MEMORY, field: dateFormat, updatedBy: actor.id, updatedAt: new Date() });
		const unique = [...new Map(memory.filter((m) => m.headerKey !== '').map((m) => [m.headerKey, m])).values()];
		if (unique.length > 0) {
			await tx
				.insert(importColumnMemory)
				.values(unique)
				.onConflictDoUpdate({
					target: importColumnMemory.headerKey,
					set: { field: sql`excluded.field`, updatedBy: sql`excluded.updated_by`, updatedAt: sql`excluded.updated_at` }
				});
		}
		await appendAudit(tx, {
			actorId: actor.id,
			action: 'map',
			entity: 'import',
			entityId: id,
			after: { mapping: Object.fromEntries(headers.map((h, i) => [h, mapping[i] ?? null])), dateFormat },
			requestId: actor.requestId
		});
		return true;
	});
	if (!saved) return { ok: false, errors: { form: 'This import can no longer be changed.' } };
	return { ok: true };
}
