/** Discard: a user drops an import before its commit; the stored file and report go with it. */
import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../db';
import { imports } from '../db/schema';
import { appendAudit } from '../audit';
import type { Actor } from '../users';
import { dropStored } from './staging';

/** Drops an uncommitted import's stored file and report. */
export async function discardImport(db: Db, actor: Actor, id: string): Promise<boolean> {
	return db.transaction(async (tx) => {
		const [row] = await tx
			.update(imports)
			.set({ status: 'discarded' })
			.where(and(eq(imports.id, id), inArray(imports.status, ['uploaded', 'validated'])))
			.returning({ id: imports.id, fileName: imports.fileName });
		if (!row) return false;
		await dropStored(tx, [id]);
		await appendAudit(tx, { actorId: actor.id, action: 'discard', entity: 'import', entityId: id, after: { fileName: row.fileName }, requestId: actor.requestId });
		return true;
	});
}
