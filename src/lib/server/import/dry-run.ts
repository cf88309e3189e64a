/** Dry run: every row through the shared pass without writing; the rejected rows are stored as the report. */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db';
import { importIssues, imports } from '../db/schema';
import { appendAudit } from '../audit';
import { isUniqueViolation } from '../errors';
import type { Actor } from '../users';
import { CsvError } from '../../import/csv';
import { Cancelled, pass, usable, type ImportPass, type Progress, type RunResult } from './pass';
import { dropStored, getImport } from './staging';

/** Validates every row without writing; stores the rejected rows and the counts. */
export async function dryRun(db: Db, actor: Actor, id: string, onProgress: (p: Progress) => void = () => {}, signal?: AbortSignal): Promise<RunResult> {
	const imp = await getImport(db, id);
	const problem = usable(imp);
	if (problem) return { ok: false, message: problem };
	await db.delete(importIssues).where(eq(importIssues.importId, id));
	let run: ImportPass;
	try {
		run = await pass(db, actor, imp!, false, onProgress, signal);
	} catch (err) {
		if (err instanceof Cancelled) return { ok: false, message: err.message };
		if (err instanceof CsvError) return { ok: false, message: `The file cannot be read as CSV at line ${err.line}: ${err.message}` };
		if (isUniqueViolation(err)) return { ok: false, message: 'Another dry run of this import is running; wait for it to finish.' };
		throw err;
	}
	// Counts only if nothing changed meanwhile (a new mapping, a commit, a discard).
	const recorded = await db.transaction(async (tx) => {
		const [row] = await tx
			.update(imports)
			.set({ status: 'validated', summary: { ...run.summary }, validatedAt: new Date() })
			.where(
				and(
					eq(imports.id, id),
					inArray(imports.status, ['uploaded', 'validated']),
					sql`${imports.mapping} = ${JSON.stringify(imp!.mapping)}::jsonb`,
					eq(imports.dateFormat, imp!.dateFormat)
				)
			)
			.returning({ id: imports.id });
		if (!row) return false;
		await appendAudit(tx, { actorId: actor.id, action: 'dry_run', entity: 'import', entityId: id, after: { ...run.summary }, requestId: actor.requestId });
		return true;
	});
	if (!recorded) {
		// Discarded (or expired) or committed meanwhile: the report this run wrote belongs to nothing.
		const now = await getImport(db, id);
		if (now?.status === 'discarded' || now?.status === 'committed') await dropStored(db, [id]);
		if (now?.status === 'discarded') return { ok: false, message: 'This import was discarded during the dry run; upload the file again.' };
		return { ok: false, message: 'The import changed during the dry run (a new mapping?); run it again.' };
	}
	return { ok: true, summary: run.summary };
}
