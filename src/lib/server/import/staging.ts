/**
 * Staging: an import's row and its stored file between upload and commit. The file's bytes live
 * in the database in numbered chunks (so any app process can continue the import) and are read
 * back a chunk at a time; once an import is committed, discarded or expired they are deleted.
 */
import { isUuid } from '$lib/validation/ids';
import { and, desc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../db';
import { importChunks, importIssues, imports, users } from '../db/schema';
import { CsvParser, textDecoder, type Delimiter } from '../../import/csv';

export type ImportRow = typeof imports.$inferSelect;

export async function* storedChunks(db: Db, id: string) {
	for (let seq = 0; ; seq++) {
		const [chunk] = await db
			.select({ data: importChunks.data })
			.from(importChunks)
			.where(and(eq(importChunks.importId, id), eq(importChunks.seq, seq)));
		if (!chunk) return;
		yield chunk.data;
	}
}

/** The stored file's records (the header first), decoded and parsed as it streams. */
export async function* records(db: Db, imp: ImportRow, onBytes: (n: number) => void) {
	const decoder = textDecoder(imp.encoding ?? 'utf-8');
	const parser = new CsvParser((imp.delimiter ?? ',') as Delimiter);
	for await (const chunk of storedChunks(db, imp.id)) {
		yield* parser.push(decoder.decode(chunk, { stream: true }));
		onBytes(chunk.byteLength);
	}
	yield* parser.push(decoder.decode());
	yield* parser.end();
}

/** Deletes the stored file and the dry run's report of these imports (committed, discarded or expired). */
export async function dropStored(tx: Db, ids: string[]): Promise<void> {
	await tx.delete(importChunks).where(inArray(importChunks.importId, ids));
	await tx.delete(importIssues).where(inArray(importIssues.importId, ids));
}

export async function getImport(db: Db, id: string): Promise<ImportRow | undefined> {
	if (!isUuid(id)) return undefined;
	const [row] = await db.select().from(imports).where(eq(imports.id, id));
	return row;
}

export async function listImports(db: Db, limit = 20) {
	return db
		.select({
			id: imports.id,
			fileName: imports.fileName,
			status: imports.status,
			byteSize: imports.byteSize,
			summary: imports.summary,
			createdAt: imports.createdAt,
			committedAt: imports.committedAt,
			by: users.name
		})
		.from(imports)
		.leftJoin(users, eq(users.id, imports.createdBy))
		.where(inArray(imports.status, ['uploaded', 'validated', 'committed']))
		.orderBy(desc(imports.createdAt))
		.limit(limit);
}

/** The first records after the header, for the mapping page (read from the first stored chunk only). */
export async function previewRows(db: Db, imp: ImportRow, count = 3): Promise<string[][]> {
	const [chunk] = await db
		.select({ data: importChunks.data })
		.from(importChunks)
		.where(and(eq(importChunks.importId, imp.id), eq(importChunks.seq, 0)));
	if (!chunk) return [];
	try {
		const records = new CsvParser((imp.delimiter ?? ',') as Delimiter).push(textDecoder(imp.encoding ?? 'utf-8').decode(chunk.data, { stream: true }));
		return records.slice(1, count + 1).map((r) => r.fields);
	} catch {
		return [];
	}
}
