/** Streams an export as a Response, hashing the bytes sent and auditing the export at the end. */
import { createHash, randomUUID } from 'node:crypto';
import type { Db } from '../db';
import { appendAudit } from '../audit';
import { exportChunks, planExport, type ExportOptions, type ExportPlan } from '.';
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

export function exportResponse({ read, write }: ExportDatabases, o: ExportOptions, plan: ExportPlan, secret: string, actor: { id: string; requestId?: string }): Response {
	const chunks = exportChunks(read, o, plan, secret);
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
			'Content-Disposition': 'attachment; filename="outcome-tracker-export.csv"',
			'Cache-Control': 'no-store'
		}
	});
}

/**
 * The one export request handler, for the page's download and GET /api/export.csv alike, so
 * both always apply the same options, de-identification and audit. The caller has checked the role.
 */
export async function exportRequest(d: ExportDatabases, url: URL, secret: string, actor: { id: string; role: Role; requestId?: string }): Promise<Response> {
	const options = readOptions(url, actor.role);
	if (!options.ok) {
		if (options.refused) await auditExportAttempt(d.write, actor, 'refused', options.refused, { refused: options.fields });
		return Response.json({ message: options.errors.join(' '), ...(options.refused ? { errors: options.fields } : {}) }, { status: 400 });
	}
	const plan = await planExport(d.read, options.options, { countRows: false });
	return exportResponse(d, options.options, plan, secret, actor);
}
