/**
 * Commit: the shared pass again, writing, in one transaction: every row or nothing. The stored
 * file and report are deleted in the same transaction.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db';
import { imports, patients } from '../db/schema';
import { appendAudit, serializeWrites } from '../audit';
import { isUniqueViolation } from '../errors';
import type { Actor } from '../users';
import { foldRollupDeltas, lockPatients } from '../cohort/rollup';
import { CsvError } from '../../import/csv';
import { STAGED_IMPORT_DAYS } from './expiry';
import { pass, reasonFor, RejectedDuringCommit, usable, type Progress, type RunResult } from './pass';
import { dropStored, getImport, records, type ImportRow } from './staging';

class ImportGone extends Error {}

/**
 * Writes every row in one transaction, or nothing. Needs a dry run of the current mapping with no
 * rejected rows; re-checks every row against the database as it is now.
 */
export async function commitImport(db: Db, actor: Actor, id: string, onProgress: (p: Progress) => void = () => {}): Promise<RunResult> {
	const imp = await getImport(db, id);
	const problem = usable(imp);
	if (problem) return { ok: false, message: problem };
	if (imp!.status !== 'validated' || !imp!.summary) return { ok: false, message: 'Run the dry run first.' };
	if ((imp!.summary.rejected ?? 0) > 0) return { ok: false, message: 'The dry run rejected rows; correct the file and upload it again. Nothing was imported.' };
	try {
		const summary = await db.transaction(async (tx) => {
			// Lock order as in every write: the patients first (all the file names, sorted), then the write lock.
			await lockReferencedPatients(tx, imp!);
			await serializeWrites(tx);
			// First, so that a second commit of the same bytes waits here and then fails on the unique index.
			const [claimed] = await tx
				.update(imports)
				.set({ status: 'committed', committedAt: new Date(), committedBy: actor.id })
				.where(and(eq(imports.id, id), eq(imports.status, 'validated')))
				.returning({ id: imports.id });
			if (!claimed) {
				const now = await getImport(tx, id);
				if (now?.status === 'discarded') throw new ImportGone(`Nothing was imported: this import was discarded meanwhile (by a user, or after ${STAGED_IMPORT_DAYS} days unfinished); upload the file again.`);
				throw new RejectedDuringCommit('This import changed while it was being committed; open it again.');
			}
			const run = await pass(tx, actor, imp!, true, onProgress);
			await run.finishCommit();
			await tx.update(imports).set({ summary: { ...run.summary } }).where(eq(imports.id, id));
			await dropStored(tx, [id]);
			await appendAudit(tx, {
				actorId: actor.id,
				action: 'commit',
				entity: 'import',
				entityId: id,
				after: { fileName: imp!.fileName, sha256: imp!.fileSha256, ...run.summary },
				reason: reasonFor(imp!),
				requestId: actor.requestId
			});
			return run.summary;
		});
		// The import appended the rollup differences of every patient it touched: fold them now
		// rather than leave readers to add them up.
		await foldRollupDeltas(db).catch((err) => console.error('Folding the cohort rollup failed:', err));
		return { ok: true, summary };
	} catch (err) {
		if (isUniqueViolation(err)) return { ok: false, message: 'This exact file has already been imported; nothing was imported again.' };
		if (err instanceof ImportGone) return { ok: false, message: err.message };
		if (err instanceof RejectedDuringCommit || err instanceof CsvError) {
			return { ok: false, message: `Nothing was imported: ${err.message} The data changed since the dry run; run it again.` };
		}
		throw err;
	}
}

/** Locks every stored patient the file refers to (a quick pass reading only the reference column). */
async function lockReferencedPatients(tx: Db, imp: ImportRow): Promise<void> {
	const column = imp.mapping!.indexOf('clinic_ref');
	const refs = new Set<string>();
	let header = true;
	for await (const record of records(tx, imp, () => {})) {
		if (header) {
			header = false;
			continue;
		}
		const ref = record.fields[column]?.trim().toLowerCase();
		if (ref) refs.add(ref);
	}
	const all = [...refs];
	const ids: string[] = [];
	for (let i = 0; i < all.length; i += 1000) {
		const found = await tx
			.select({ id: patients.id })
			.from(patients)
			.where(inArray(sql`lower(${patients.clinicRef})`, all.slice(i, i + 1000)));
		ids.push(...found.map((f) => f.id));
	}
	await lockPatients(tx, ids);
}
