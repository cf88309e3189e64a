/** Expiry: an import left unfinished is discarded after a week, because its file holds identities. */
import { and, inArray, lt } from 'drizzle-orm';
import type { Db } from '../db';
import { imports } from '../db/schema';
import { appendAuditMany } from '../audit';
import { dropStored } from './staging';


/**
 * Days an import may wait between upload and commit. The stored file holds names and dates of
 * birth, so an import left unfinished (never committed nor discarded) is discarded after this:
 * a week covers a dry run, a correction and a second look, and then the file goes.
 */
export const STAGED_IMPORT_DAYS = 7;

/**
 * Discards every import uploaded more than `STAGED_IMPORT_DAYS` before `now` and not committed or
 * discarded yet (uploads that never finished too): its stored file and dry-run report are deleted,
 * it is marked discarded, and each gets an audit row (no actor; action `expire`), in one
 * transaction. A commit that has claimed its import holds the row: the update waits, sees it
 * committed and leaves it; one that has not claimed it yet finds it discarded and stores nothing.
 * Returns how many were discarded. Runs at start-up and hourly.
 */
export async function expireStagedImports(db: Db, now = new Date()): Promise<number> {
	const uploadedBefore = new Date(now.getTime() - STAGED_IMPORT_DAYS * 86_400_000);
	return db.transaction(async (tx) => {
		const rows = await tx
			.update(imports)
			.set({ status: 'discarded' })
			.where(and(inArray(imports.status, ['uploading', 'uploaded', 'validated']), lt(imports.createdAt, uploadedBefore)))
			.returning({ id: imports.id, fileName: imports.fileName });
		if (rows.length === 0) return 0;
		await dropStored(tx, rows.map((r) => r.id));
		await appendAuditMany(
			tx,
			rows.map((r) => ({ actorId: null, action: 'expire', entity: 'import', entityId: r.id, after: { fileName: r.fileName, afterDays: STAGED_IMPORT_DAYS }, requestId: 'import-expiry' }))
		);
		return rows.length;
	});
}
