/** Streams an export file as a Response, hashing the bytes sent and auditing the export at the end. */
import { createHash, randomUUID } from 'node:crypto';
import type { Db } from '../db';
import { appendAudit } from '../audit';
import { exportChunks, planExport, type ExportChunk, type ExportOptions, type ExportPlan } from '.';
import { eventChunks, EVENTS_NEED_STABLE } from './events';
import { readOptions } from './options';
import { auditExportAttempt, exportFilters } from './audit';
import type { Role } from '../db/schema';

/**
 * Where an export reads (a replica, when DATABASE_READ_URL names one) and where its audit row is
 * written (always the primary); the same handle twice when there is no replica.
 */
export interface ExportDatabases {
	read: Db;
	write: Db;
}

/** The export's two files: the scores (one row per visit × instrument × scale) and the events. */
export type ExportFile = 'scores' | 'events';
const FILE_NAMES: Record<ExportFile, string> = { scores: 'outcome-tracker-export.csv', events: 'outcome-tracker-events.csv' };

export function exportResponse({ read, write }: ExportDatabases, o: ExportOptions, plan: ExportPlan, secret: string, actor: { id: string; requestId?: string }, file: ExportFile = 'scores'): Response {
	const chunks: AsyncGenerator<ExportChunk> = file === 'events' ? eventChunks(read, o, plan, secret) : exportChunks(read, o, plan, secret);
	const hash = createHash('sha256');
	const encoder = new TextEncoder();
	let rows = 0;
	const stream = new ReadableStream<Uint8Array>({
		async pull(controller) {
			const next = await chunks.next();
			if (!next.done) {
				rows += next.value.rows;
				const data = next.value.data;
				const bytes = typeof data === 'string' ? encoder.encode(data) : data;
				hash.update(bytes);
				controller.enqueue(bytes);
				return;
			}
			{
				await write.transaction((tx) =>
					appendAudit(tx, {
						actorId: actor.id,
						action: 'export',
						entity: 'export',
						entityId: randomUUID(),
						after: {
							...exportFilters(o),
							// The main file's rows have no `file` (audit rows written before the events file existed).
							...(file === 'events' ? { file } : {}),
							rows,
							patients: plan.patients,
							suppressedPatients: plan.suppressedPatients,
							generalisedPatients: plan.generalisedPatients,
							sha256: hash.digest('hex')
						},
						requestId: actor.requestId
					})
				);
				controller.close();
			}
		},
		async cancel() {
			await chunks.return(undefined);
		}
	});
	return new Response(stream, {
		headers: {
			'Content-Type': 'text/csv; charset=utf-8',
			'Content-Disposition': `attachment; filename="${FILE_NAMES[file]}"`,
			'Cache-Control': 'no-store'
		}
	});
}

/**
 * The one export request handler, for the page's downloads and GET /api/export.csv and
 * /api/export-events.csv alike, so all apply the same options, de-identification and audit. The
 * caller has checked the role.
 */
export async function exportRequest(d: ExportDatabases, url: URL, secret: string, actor: { id: string; role: Role; requestId?: string }, file: ExportFile = 'scores'): Promise<Response> {
	const options = readOptions(url, actor.role);
	if (!options.ok) {
		if (options.refused) await auditExportAttempt(d.write, actor, 'refused', options.refused, { refused: options.fields });
		return Response.json({ message: options.errors.join(' '), ...(options.refused ? { errors: options.fields } : {}) }, { status: 400 });
	}
	if (file === 'events' && options.options.pseudonyms !== 'stable') return Response.json({ message: EVENTS_NEED_STABLE }, { status: 400 });
	const plan = await planExport(d.read, options.options, { countRows: false });
	return exportResponse(d, options.options, plan, secret, actor, file);
}
