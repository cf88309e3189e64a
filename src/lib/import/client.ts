/** Browser side of the import: upload in parts, and follow a dry run or commit as it streams. */
import * as v from 'valibot';
import { FileNameSchema } from '../validation/upload';
import type { ImportSummary } from './fields';

export type UploadOutcome = { ok: true; id: string } | { ok: false; message: string; duplicateOf?: { id: string } };

async function message(response: Response, fallback: string): Promise<string> {
	const body = (await response.json().catch(() => null)) as { message?: string } | null;
	return body?.message ?? fallback;
}

/** Sends the file in parts (each request small), reporting bytes sent. */
export async function uploadFile(file: File, onProgress: (sent: number, total: number) => void): Promise<UploadOutcome> {
	// The server's own rule, checked here first: a name it would refuse is not sent at all.
	const name = v.safeParse(FileNameSchema, file.name);
	if (!name.success) return { ok: false, message: name.issues[0].message };
	const begin = await fetch('/patients/import/upload', {
		method: 'POST',
		headers: { 'Content-Type': 'application/json' },
		body: JSON.stringify({ fileName: file.name, size: file.size })
	});
	if (!begin.ok) return { ok: false, message: await message(begin, 'The upload could not start.') };
	const { id, partBytes } = (await begin.json()) as { id: string; partBytes: number };
	for (let seq = 0, from = 0; from < file.size; seq++, from += partBytes) {
		const part = await fetch(`/patients/import/${id}/part?seq=${seq}`, {
			method: 'PUT',
			headers: { 'Content-Type': 'application/octet-stream' },
			body: file.slice(from, from + partBytes)
		});
		if (!part.ok) return { ok: false, message: await message(part, 'The upload was interrupted; try again.') };
		onProgress(Math.min(file.size, from + partBytes), file.size);
	}
	const finish = await fetch(`/patients/import/${id}/finish`, { method: 'POST' });
	const result = (await finish.json().catch(() => ({ ok: false, message: 'The upload could not be finished.' }))) as UploadOutcome;
	return result;
}

export interface RunProgress {
	rows: number;
	bytes: number;
	totalBytes: number;
}
export type RunOutcome = { ok: true; summary: ImportSummary } | { ok: false; message: string };

/** Starts a dry run or commit and calls `onProgress` for each progress line until the result. */
export async function runImport(id: string, mode: 'dry' | 'commit', onProgress: (p: RunProgress) => void, signal?: AbortSignal): Promise<RunOutcome> {
	const response = await fetch(`/patients/import/${id}/run`, {
		method: 'POST',
		headers: { 'Content-Type': 'application/json' },
		body: JSON.stringify({ mode }),
		signal
	});
	if (!response.ok || !response.body) return { ok: false, message: await message(response, 'The run could not start.') };
	const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
	let buffer = '';
	for (;;) {
		const { value, done } = await reader.read();
		if (done) break;
		buffer += value;
		let nl: number;
		while ((nl = buffer.indexOf('\n')) >= 0) {
			const line = JSON.parse(buffer.slice(0, nl)) as { type: string } & Record<string, unknown>;
			buffer = buffer.slice(nl + 1);
			if (line.type === 'progress') onProgress(line as unknown as RunProgress);
			else if (line.type === 'done') return line as unknown as RunOutcome;
		}
	}
	return { ok: false, message: 'The connection ended before the result; reload the page to see where the import stands.' };
}
