/**
 * Export attempts in the audit log besides the downloads themselves (download.ts): every preview
 * and every refused export, with who, when (the row's own time) and the filters — so an audit sees
 * a differencing attempt, not only the files that left.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../db';
import { appendReadAudit } from '../audit';
import type { ExportOptions } from '.';

/** The filters and options as every export audit row records them. */
export function exportFilters(o: ExportOptions) {
	return {
		filters: { instruments: o.instruments, conditions: o.conditions, enrolledFrom: o.enrolledFrom ?? null, enrolledTo: o.enrolledTo ?? null },
		options: { includeItems: o.includeItems, pseudonyms: o.pseudonyms, k: o.k }
	};
}

export async function auditExportAttempt(db: Db, actor: { id: string; requestId?: string }, action: 'preview' | 'refused', o: ExportOptions, result: Record<string, unknown>): Promise<void> {
	await appendReadAudit(db, { actorId: actor.id, action, entity: 'export', entityId: randomUUID(), after: { ...exportFilters(o), ...result }, requestId: actor.requestId });
}
