/**
 * Upload: the browser sends a file in parts (no request body is large); finishing the upload
 * hashes the stored bytes, refuses a file already committed, detects encoding and delimiter,
 * reads the header and proposes a mapping (remembered from earlier files).
 */
import { createHash } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db';
import { importChunks, imports, users } from '../db/schema';
import { appendAudit } from '../audit';
import type { Actor } from '../users';
import { CsvParser, Utf8Check, sniffDelimiter, textDecoder, type Encoding } from '../../import/csv';
import { DATE_FORMATS, proposeMapping } from '../../import/fields';
import { DATE_FORMAT_MEMORY, rememberedMapping } from './mapping';
import { dropStored, getImport, storedChunks } from './staging';

export const MAX_FILE_BYTES = 200 * 1024 * 1024;

export type UploadResult =
	| { ok: true; id: string }
	| { ok: false; message: string; duplicateOf?: { id: string; committedAt: Date | null; by: string | null } };

function toBuffer(bytes: Uint8Array): Buffer {
	return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Starts an upload. The browser then sends the file in parts of at most `PART_BYTES` (so no
 * request body is large) and finishes it; `uploadImport` does all three for a stream.
 */
export async function beginUpload(db: Db, actor: Actor, fileName: string): Promise<string> {
	const name = fileName.trim().slice(0, 255) || 'upload.csv';
	const [row] = await db.insert(imports).values({ fileName: name, createdBy: actor.id }).returning({ id: imports.id });
	return row!.id;
}

export const PART_BYTES = 256 * 1024;

/** Stores part `seq` (0, 1, 2, … in order; a repeated part is accepted once). */
export async function appendUpload(db: Db, actor: Actor, id: string, seq: number, data: Uint8Array): Promise<{ ok: true } | { ok: false; message: string }> {
	if (!Number.isInteger(seq) || seq < 0) return { ok: false, message: 'Bad part number.' };
	if (data.byteLength === 0 || data.byteLength > PART_BYTES) return { ok: false, message: `A part must hold 1 to ${PART_BYTES} bytes.` };
	return db.transaction(async (tx) => {
		const [imp] = await tx.select().from(imports).where(eq(imports.id, id)).for('update');
		if (!imp || imp.status !== 'uploading' || imp.createdBy !== actor.id) return { ok: false as const, message: 'No upload in progress with this id.' };
		const [{ next }] = (await tx.select({ next: sql<number>`count(*)::int` }).from(importChunks).where(eq(importChunks.importId, id))) as [{ next: number }];
		if (seq < next) return { ok: true as const };
		if (seq > next) return { ok: false as const, message: `Part ${next} is expected next.` };
		if (imp.byteSize + data.byteLength > MAX_FILE_BYTES) return { ok: false as const, message: `The file is larger than ${MAX_FILE_BYTES / 1024 / 1024} MB; split it into parts.` };
		await tx.insert(importChunks).values({ importId: id, seq, data: toBuffer(data) });
		await tx.update(imports).set({ byteSize: imp.byteSize + data.byteLength }).where(eq(imports.id, id));
		return { ok: true as const };
	});
}

/** Hashes the stored file, detects encoding and delimiter, reads the header, proposes a mapping. */
export async function finishUpload(db: Db, actor: Actor, id: string): Promise<UploadResult> {
	const imp = await getImport(db, id);
	if (!imp || imp.status !== 'uploading' || imp.createdBy !== actor.id) return { ok: false, message: 'No upload in progress with this id.' };
	const hash = createHash('sha256');
	const utf8 = new Utf8Check();
	let head = new Uint8Array(0);
	let total = 0;
	for await (const chunk of storedChunks(db, id)) {
		total += chunk.byteLength;
		hash.update(chunk);
		utf8.push(chunk);
		if (head.byteLength < 65_536) head = Buffer.concat([head, chunk.subarray(0, 65_536 - head.byteLength)]);
	}
	utf8.push(new Uint8Array(0), true);
	const sha = hash.digest('hex');
	const encoding: Encoding = utf8.valid ? 'utf-8' : 'windows-1252';

	const previous = await committedWithSha(db, sha);
	if (previous) {
		await discardStaged(db, id);
		return { ok: false, message: 'This exact file has already been imported; it was not imported again.', duplicateOf: previous };
	}
	const headText = textDecoder(encoding).decode(head, { stream: true });
	const delimiter = sniffDelimiter(headText);
	let headers: string[] | undefined;
	try {
		headers = new CsvParser(delimiter).push(headText)[0]?.fields;
	} catch {
		headers = undefined;
	}
	if (total === 0 || !headers || headers.every((h) => h.trim() === '')) {
		await discardStaged(db, id);
		return { ok: false, message: 'The file is empty or has no header row.' };
	}
	headers = headers.map((h, i) => h.trim() || `Column ${i + 1}`);
	const memory = await rememberedMapping(db);
	const mapping = proposeMapping(headers, memory);
	const dateFormat = DATE_FORMATS.find(([f]) => f === memory[DATE_FORMAT_MEMORY])?.[0] ?? 'iso';
	const finished = await db.transaction(async (tx) => {
		// Only an upload still in progress (an expiry may have discarded it meanwhile).
		const [row] = await tx
			.update(imports)
			.set({ fileSha256: sha, byteSize: total, encoding, delimiter, headers, mapping, dateFormat, status: 'uploaded' })
			.where(and(eq(imports.id, id), eq(imports.status, 'uploading')))
			.returning({ id: imports.id });
		if (!row) return false;
		await appendAudit(tx, {
			actorId: actor.id,
			action: 'upload',
			entity: 'import',
			entityId: id,
			after: { fileName: imp.fileName, sha256: sha, bytes: total, encoding, delimiter, columns: headers.length },
			requestId: actor.requestId
		});
		return true;
	});
	if (!finished) return { ok: false, message: 'No upload in progress with this id.' };
	return { ok: true, id };
}

/** Begin, parts, finish: for a file that arrives as one stream (tests, scripts). */
export async function uploadImport(db: Db, actor: Actor, fileName: string, body: AsyncIterable<Uint8Array>): Promise<UploadResult> {
	const id = await beginUpload(db, actor, fileName);
	let pending = new Uint8Array(0);
	let seq = 0;
	const send = async (part: Uint8Array) => {
		const r = await appendUpload(db, actor, id, seq++, part);
		if (!r.ok) {
			await discardStaged(db, id);
			return r;
		}
		return null;
	};
	for await (const chunk of body) {
		pending = Buffer.concat([pending, chunk]);
		while (pending.byteLength >= PART_BYTES) {
			const failed = await send(pending.subarray(0, PART_BYTES));
			if (failed) return failed;
			pending = pending.subarray(PART_BYTES);
		}
	}
	if (pending.byteLength > 0) {
		const failed = await send(pending);
		if (failed) return failed;
	}
	return finishUpload(db, actor, id);
}

/** Removes a staged upload that never became an import (failed, refused or too large). */
export async function discardStaged(db: Db, id: string): Promise<void> {
	await dropStored(db, [id]);
	await db.delete(imports).where(and(eq(imports.id, id), eq(imports.status, 'uploading')));
}

async function committedWithSha(db: Db, sha: string) {
	const [row] = await db
		.select({ id: imports.id, committedAt: imports.committedAt, by: users.name })
		.from(imports)
		.leftJoin(users, eq(users.id, imports.committedBy))
		.where(and(eq(imports.fileSha256, sha), eq(imports.status, 'committed')));
	return row;
}
