import { json } from '@sveltejs/kit';
import { requireRole } from '$lib/server/auth/guard';
import { db } from '$lib/server/context';
import { commitImport, dryRun, type Progress, type RunResult } from '$lib/server/import';
import type { RequestHandler } from './$types';

/**
 * Runs the dry run (`{ "mode": "dry" }`) or the commit (`{ "mode": "commit" }`) and streams
 * newline-delimited JSON: progress lines while rows are checked, then one `done` line with the
 * result. A dry run stops if the page goes away; a commit always finishes (or rolls back) whole.
 */
export const POST: RequestHandler = async (event) => {
	const user = requireRole(event, 'clinician', 'admin');
	const body = (await event.request.json().catch(() => null)) as { mode?: unknown } | null;
	const mode = body?.mode;
	if (mode !== 'dry' && mode !== 'commit') return json({ message: 'mode must be "dry" or "commit".' }, { status: 400 });
	const id = event.params.importId;
	const actor = { id: user.id, requestId: event.locals.requestId };
	const encoder = new TextEncoder();
	const abort = new AbortController();
	let open = true;
	const stream = new ReadableStream<Uint8Array>({
		async start(controller) {
			const send = (line: object) => {
				if (!open) return;
				try {
					controller.enqueue(encoder.encode(JSON.stringify(line) + '\n'));
				} catch {
					open = false;
				}
			};
			let last = 0;
			const progress = (p: Progress) => {
				const now = Date.now();
				if (now - last < 100 && p.bytes < p.totalBytes) return;
				last = now;
				send({ type: 'progress', ...p });
			};
			let result: RunResult;
			try {
				result = mode === 'dry' ? await dryRun(db(), actor, id, progress, abort.signal) : await commitImport(db(), actor, id, progress);
			} catch (err) {
				console.error(JSON.stringify({ level: 'error', requestId: actor.requestId, message: 'import run failed', error: String(err) }));
				result = { ok: false, message: 'The import failed unexpectedly; nothing was stored. Try again.' };
			}
			send({ type: 'done', ...result });
			if (open) controller.close();
		},
		cancel() {
			open = false;
			abort.abort();
		}
	});
	return new Response(stream, { headers: { 'Content-Type': 'application/x-ndjson; charset=utf-8', 'Cache-Control': 'no-store' } });
};
