/** The adverse event categories: seeded by migration 0018, admins add more; never deleted. */
import { asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db';
import { aeCategories } from '../db/schema';
import { appendAudit } from '../audit';
import { isUniqueViolation } from '../errors';
import type { Actor } from '../users';
import type { WriteResult } from '../patients';

export function listAeCategories(db: Db, includeInactive = false) {
	return db
		.select({ code: aeCategories.code, label: aeCategories.label, active: aeCategories.active })
		.from(aeCategories)
		.where(includeInactive ? undefined : eq(aeCategories.active, true))
		.orderBy(sql`${aeCategories.code} = 'other'`, asc(aeCategories.createdAt), asc(aeCategories.label));
}

export async function addAeCategory(db: Db, actor: Actor, input: { code: string; label: string }): Promise<WriteResult<string>> {
	try {
		await db.transaction(async (tx) => {
			await tx.insert(aeCategories).values(input);
			await appendAudit(tx, { actorId: actor.id, action: 'create', entity: 'ae_category', entityId: input.code, after: input, requestId: actor.requestId });
		});
		return { ok: true, value: input.code };
	} catch (err) {
		if (isUniqueViolation(err)) return { ok: false, field: 'label', message: 'This category is already in the list.' };
		throw err;
	}
}
