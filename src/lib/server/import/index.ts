/**
 * CSV import of patients, visits and item answers. Upload stores the bytes (in the database, so
 * any app process can continue the import) and hashes them; the dry run streams the stored file
 * through manual entry's validation and scoring and records every rejected row; the commit runs
 * the very same pass inside one transaction and writes as it goes, with the usual audit rows,
 * so that one bad row stores nothing. Memory stays flat: the file is read a chunk at a time and
 * rows are handled in batches; only one small entry per patient and per visit date is kept.
 */
import { isUuid } from '$lib/validation/ids';
import { createHash, randomUUID } from 'node:crypto';
import { and, asc, desc, eq, inArray, lt, sql } from 'drizzle-orm';
import * as v from 'valibot';
import type { Db } from '../db';
import { bulkInsert } from '../db/bulk';
import { conditions, importChunks, importColumnMemory, importIssues, imports, patients, responses, responseScores, users, visits } from '../db/schema';
import { appendAudit, appendAuditMany, serializeWrites, type AuditEntry } from '../audit';
import { isUniqueViolation } from '../errors';
import type { Actor } from '../users';
import { patientSnapshot } from '../patients';
import { scoreAll, visitSnapshot } from '../visits';
import { foldRollupDeltas, lockPatients, rollupAdd, rollupRemove } from '../cohort/rollup';
import { CsvError, CsvParser, Utf8Check, sniffDelimiter, textDecoder, type Delimiter, type Encoding } from '../../import/csv';
import { checkMapping, DATE_FORMATS, headerKey, proposeMapping, type DateFormat, type ImportSummary, type Mapping } from '../../import/fields';

export type { ImportSummary };
import { answerIssues, layoutOf, parseRow, type Layout, type ParsedRow, type RowContext, type RowIssue } from '../../import/rows';
import { PatientSchema } from '../../validation/clinical';

export type ImportRow = typeof imports.$inferSelect;

/** Rows handled per batch (one lookup query per batch, multi-row inserts). */
const BATCH_ROWS = 500;
/** Rejected rows kept for the report; all are counted. */
export const MAX_STORED_ISSUES = 50_000;
export const MAX_FILE_BYTES = 200 * 1024 * 1024;
const DATE_FORMAT_MEMORY = '__date_format';

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

async function* storedChunks(db: Db, id: string) {
	for (let seq = 0; ; seq++) {
		const [chunk] = await db
			.select({ data: importChunks.data })
			.from(importChunks)
			.where(and(eq(importChunks.importId, id), eq(importChunks.seq, seq)));
		if (!chunk) return;
		yield chunk.data;
	}
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
async function discardStaged(db: Db, id: string): Promise<void> {
	await dropStored(db, [id]);
	await db.delete(imports).where(and(eq(imports.id, id), eq(imports.status, 'uploading')));
}

/** Deletes the stored file and the dry run's report of these imports (committed, discarded or expired). */
async function dropStored(tx: Db, ids: string[]): Promise<void> {
	await tx.delete(importChunks).where(inArray(importChunks.importId, ids));
	await tx.delete(importIssues).where(inArray(importIssues.importId, ids));
}

async function committedWithSha(db: Db, sha: string) {
	const [row] = await db
		.select({ id: imports.id, committedAt: imports.committedAt, by: users.name })
		.from(imports)
		.leftJoin(users, eq(users.id, imports.committedBy))
		.where(and(eq(imports.fileSha256, sha), eq(imports.status, 'committed')));
	return row;
}

async function rememberedMapping(db: Db): Promise<Record<string, string | null>> {
	const rows = await db.select().from(importColumnMemory);
	return Object.fromEntries(rows.map((r) => [r.headerKey, r.field]));
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

export type MappingResult = { ok: true } | { ok: false; errors: Record<string, string> };

/** Saves the mapping (and remembers it per header for the next file); the last dry run no longer counts. */
export async function saveMapping(db: Db, actor: Actor, id: string, mapping: Mapping, dateFormat: DateFormat): Promise<MappingResult> {
	const imp = await getImport(db, id);
	if (!imp || !imp.headers || !['uploaded', 'validated'].includes(imp.status)) {
		return { ok: false, errors: { form: 'This import can no longer be changed.' } };
	}
	const headers = imp.headers;
	if (mapping.length !== headers.length) return { ok: false, errors: { form: 'The mapping does not match the file’s columns.' } };
	const errors = checkMapping(headers, mapping);
	if (Object.keys(errors).length > 0) {
		return { ok: false, errors: Object.fromEntries(Object.entries(errors).map(([k, m]) => [k === 'form' ? 'form' : `col${k}`, m])) };
	}
	const saved = await db.transaction(async (tx) => {
		// Only while it can still change (not committed, discarded or expired since it was read).
		const [row] = await tx
			.update(imports)
			.set({ mapping, dateFormat, status: 'uploaded', summary: null, validatedAt: null })
			.where(and(eq(imports.id, id), inArray(imports.status, ['uploaded', 'validated'])))
			.returning({ id: imports.id });
		if (!row) return false;
		await tx.delete(importIssues).where(eq(importIssues.importId, id));
		const memory = headers.map((h, i) => ({ headerKey: headerKey(h), field: mapping[i] ?? null, updatedBy: actor.id, updatedAt: new Date() }));
		// The date format is remembered too, under a key no header can produce (headerKey trims underscores).
		memory.push({ headerKey: DATE_FORMAT_MEMORY, field: dateFormat, updatedBy: actor.id, updatedAt: new Date() });
		const unique = [...new Map(memory.filter((m) => m.headerKey !== '').map((m) => [m.headerKey, m])).values()];
		if (unique.length > 0) {
			await tx
				.insert(importColumnMemory)
				.values(unique)
				.onConflictDoUpdate({
					target: importColumnMemory.headerKey,
					set: { field: sql`excluded.field`, updatedBy: sql`excluded.updated_by`, updatedAt: sql`excluded.updated_at` }
				});
		}
		await appendAudit(tx, {
			actorId: actor.id,
			action: 'map',
			entity: 'import',
			entityId: id,
			after: { mapping: Object.fromEntries(headers.map((h, i) => [h, mapping[i] ?? null])), dateFormat },
			requestId: actor.requestId
		});
		return true;
	});
	if (!saved) return { ok: false, errors: { form: 'This import can no longer be changed.' } };
	return { ok: true };
}

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

export interface Progress {
	rows: number;
	bytes: number;
	totalBytes: number;
}

async function* records(db: Db, imp: ImportRow, onBytes: (n: number) => void) {
	const decoder = textDecoder(imp.encoding ?? 'utf-8');
	const parser = new CsvParser((imp.delimiter ?? ',') as Delimiter);
	for await (const chunk of storedChunks(db, imp.id)) {
		yield* parser.push(decoder.decode(chunk, { stream: true }));
		onBytes(chunk.byteLength);
	}
	yield* parser.push(decoder.decode());
	yield* parser.end();
}

interface PatientState {
	id: string;
	isNew: boolean;
	dateOfBirth: string;
	/** Explicit (new patient) or stored (existing) enrolment; null = earliest visit in the file. */
	enrolledOn: string | null;
	firstLine: number;
	/** New patients: inserted yet (commit) / counted yet (dry run). */
	created: boolean;
}

class RejectedDuringCommit extends Error {}
class ImportGone extends Error {}

const PATIENT_COLUMN: Record<string, string> = {
	clinicRef: 'clinic_ref',
	name: 'name',
	dateOfBirth: 'date_of_birth',
	sex: 'sex',
	conditionCode: 'condition',
	enrolledOn: 'enrolled_on'
};

/**
 * The one pass behind both the dry run and the commit. With `write`, accepted rows are inserted
 * (with their audit rows) batch by batch and the first rejected row aborts the whole pass.
 */
class ImportPass {
	readonly summary: ImportSummary = { rows: 0, accepted: 0, rejected: 0, skipped: 0, issues: 0, patientsNew: 0, patientsExisting: 0, visits: 0, responses: 0 };
	private patientsByRef = new Map<string, PatientState | null>();
	private visitLines = new Map<string, number>();
	private newPatientIds: string[] = [];
	/** Existing patients given visits: their rollup points are taken out before the first insert. */
	private touchedExisting = new Set<string>();
	/** New patients whose enrolment was left blank: it becomes their earliest visit. */
	private placeholderIds: string[] = [];
	private pendingIssues: (RowIssue & { kind: 'error' | 'skipped' })[] = [];
	private issueSeq = 0;

	constructor(
		private readonly db: Db,
		private readonly actor: Actor,
		private readonly imp: ImportRow,
		private readonly ctx: RowContext,
		private readonly layout: Layout,
		private readonly write: boolean,
		private readonly reason: string
	) {}

	private column(field: string): string {
		const i = this.layout.column.get(field);
		return i === undefined ? field : (this.ctx.headers[i] ?? field);
	}

	private async report(issues: RowIssue[], kind: 'error' | 'skipped'): Promise<void> {
		if (kind === 'error' && this.write) throw new RejectedDuringCommit(`Line ${issues[0]?.line}: ${issues[0]?.message}`);
		this.summary.issues += issues.length;
		for (const i of issues) if (this.issueSeq + this.pendingIssues.length < MAX_STORED_ISSUES) this.pendingIssues.push({ ...i, kind });
		if (this.pendingIssues.length >= 1000) await this.flushIssues();
	}

	async flushIssues(): Promise<void> {
		if (this.write || this.pendingIssues.length === 0) return;
		const rows = this.pendingIssues.map((i) => ({ importId: this.imp.id, seq: this.issueSeq++, line: i.line, column: i.column, kind: i.kind, message: i.message }));
		this.pendingIssues = [];
		for (let j = 0; j < rows.length; j += 1000) await this.db.insert(importIssues).values(rows.slice(j, j + 1000));
	}

	async batch(records: { line: number; fields: string[] }[]): Promise<void> {
		const parsed: ParsedRow[] = [];
		for (const record of records) {
			this.summary.rows++;
			const { row, issues } = parseRow(record, this.ctx, this.layout);
			if (row) parsed.push(row);
			else {
				this.summary.rejected++;
				await this.report(issues, 'error');
			}
		}
		await this.lookUpPatients(parsed);
		const existingVisits = await this.existingVisits(parsed);

		const newPatients: (typeof patients.$inferInsert)[] = [];
		const visitRows: (typeof visits.$inferInsert)[] = [];
		const responseRows: (typeof responses.$inferInsert)[] = [];
		const scoreRows: (typeof responseScores.$inferInsert)[] = [];
		const audit: AuditEntry[] = [];

		for (const row of parsed) {
			const issues: RowIssue[] = [];
			const issue = (field: string, message: string) => issues.push({ line: row.line, column: this.column(field), message });
			let state = this.patientsByRef.get(row.refKey) ?? null;
			const date = row.visit.visitDate;
			if (!state) {
				const p = row.patient;
				const check = v.safeParse(PatientSchema, {
					clinicRef: row.clinicRef,
					name: p.name ?? '',
					dateOfBirth: p.dateOfBirth ?? '',
					sex: p.sex ?? '',
					conditionCode: p.conditionCode ?? '',
					enrolledOn: p.enrolledOn ?? date
				});
				if (!check.success) {
					const seen = new Set<string>();
					for (const i of check.issues) {
						const key = v.getDotPath(i) ?? 'clinicRef';
						if (seen.has(key)) continue;
						seen.add(key);
						const field = key === 'enrolledOn' && !row.patient.enrolledOn ? 'visit_date' : (PATIENT_COLUMN[key] ?? 'clinic_ref');
						issue(field, `New patient: ${i.message}`);
					}
				} else {
					state = { id: randomUUID(), isNew: true, dateOfBirth: check.output.dateOfBirth, enrolledOn: row.patient.enrolledOn ?? null, firstLine: row.line, created: false };
					this.patientsByRef.set(row.refKey, state);
				}
			} else {
				if (row.patient.dateOfBirth && row.patient.dateOfBirth !== state.dateOfBirth) {
					issue('date_of_birth', state.isNew ? `Differs from line ${state.firstLine} for the same clinic reference.` : 'Differs from the stored patient with this clinic reference.');
				}
				if (state.isNew && row.patient.enrolledOn && row.patient.enrolledOn !== (state.enrolledOn ?? row.patient.enrolledOn)) {
					issue('enrolled_on', `Differs from line ${state.firstLine} for the same clinic reference.`);
				}
			}
			if (state) {
				if (date < state.dateOfBirth) issue('visit_date', 'The visit cannot be before the date of birth.');
				else if (state.enrolledOn && date < state.enrolledOn) issue('visit_date', `The visit cannot be before enrolment (${state.enrolledOn}).`);
			}
			const visitKey = `${row.refKey}|${date}`;
			const earlier = this.visitLines.get(visitKey);
			if (earlier !== undefined) issue('visit_date', `Same patient and visit date as line ${earlier}.`);
			else this.visitLines.set(visitKey, row.line);

			const { scored, errors } = scoreAll(row.responses);
			for (const [instrumentId, list] of Object.entries(errors)) issues.push(...answerIssues(row.line, instrumentId, list, this.ctx, this.layout));

			if (issues.length > 0 || !state) {
				this.summary.rejected++;
				await this.report(issues, 'error');
				continue;
			}
			if (!state.isNew && existingVisits.has(`${state.id}|${date}`)) {
				this.summary.skipped++;
				await this.report([{ line: row.line, column: this.column('visit_date'), message: 'A visit on this date is already recorded for this patient; row skipped.' }], 'skipped');
				continue;
			}
			this.summary.accepted++;
			this.summary.visits++;
			this.summary.responses += scored.length;
			if (state.isNew && !state.created) {
				state.created = true;
				this.summary.patientsNew++;
				this.newPatientIds.push(state.id);
				if (state.enrolledOn === null) this.placeholderIds.push(state.id);
				const p = row.patient;
				// Enrolment left blank: the date of birth holds the place until the earliest visit is known.
				newPatients.push({ id: state.id, clinicRef: row.clinicRef, name: p.name!, dateOfBirth: p.dateOfBirth!, sex: p.sex!, conditionCode: p.conditionCode!, enrolledOn: state.enrolledOn ?? p.dateOfBirth! });
			}
			if (!this.write) continue;
			const visitId = randomUUID();
			const visitRow = { id: visitId, patientId: state.id, ...row.visit, createdBy: this.actor.id };
			visitRows.push(visitRow);
			audit.push(this.entry('visit', visitId, { patientId: state.id, ...visitSnapshot({ ...visitRow, voided: false, voidReason: null }) }));
			for (const s of scored) {
				const responseId = randomUUID();
				responseRows.push({ id: responseId, visitId, instrumentId: s.instrumentId, instrumentVersion: s.version, scoringVersion: s.scoringVersion, answers: s.answers, enteredBy: this.actor.id });
				for (const [scale, value] of Object.entries(s.scores)) scoreRows.push({ responseId, instrumentId: s.instrumentId, scale, value });
				audit.push(this.entry('response', responseId, { visitId, instrumentId: s.instrumentId, version: s.version, answers: s.answers, scores: s.scores }));
			}
		}
		if (!this.write) return;
		const db = this.db;
		const isNew = new Set(this.newPatientIds);
		const existing = [...new Set(visitRows.map((v) => v.patientId))].filter((id) => !isNew.has(id) && !this.touchedExisting.has(id));
		for (const id of existing) this.touchedExisting.add(id);
		await rollupRemove(db, existing);
		await bulkInsert(db, patients, newPatients);
		await bulkInsert(db, visits, visitRows);
		await bulkInsert(db, responses, responseRows);
		await bulkInsert(db, responseScores, scoreRows);
		await appendAuditMany(db, audit);
	}

	private entry(entity: string, entityId: string, after: unknown): AuditEntry {
		return { actorId: this.actor.id, action: 'create', entity, entityId, after, reason: this.reason, requestId: this.actor.requestId };
	}

	/** Stored patients for references not seen before in this file. */
	private async lookUpPatients(rows: ParsedRow[]): Promise<void> {
		const refs = [...new Set(rows.map((r) => r.refKey).filter((k) => !this.patientsByRef.has(k)))];
		if (refs.length === 0) return;
		const found = await this.db
			.select({ id: patients.id, ref: sql<string>`lower(${patients.clinicRef})`, dateOfBirth: patients.dateOfBirth, enrolledOn: patients.enrolledOn })
			.from(patients)
			.where(inArray(sql`lower(${patients.clinicRef})`, refs));
		for (const p of found) {
			this.patientsByRef.set(p.ref, { id: p.id, isNew: false, dateOfBirth: p.dateOfBirth, enrolledOn: p.enrolledOn, firstLine: 0, created: true });
			this.summary.patientsExisting++;
		}
	}

	/** `patientId|date` of stored, not voided visits on the dates these rows bring. */
	private async existingVisits(rows: ParsedRow[]): Promise<Set<string>> {
		const ids = [...new Set(rows.map((r) => this.patientsByRef.get(r.refKey)).filter((s): s is PatientState => !!s && !s.isNew).map((s) => s.id))];
		if (ids.length === 0) return new Set();
		const dates = [...new Set(rows.map((r) => r.visit.visitDate))];
		const found = await this.db
			.select({ patientId: visits.patientId, visitDate: visits.visitDate })
			.from(visits)
			.where(and(inArray(visits.patientId, ids), inArray(visits.visitDate, dates), eq(visits.voided, false)));
		return new Set(found.map((f) => `${f.patientId}|${f.visitDate}`));
	}

	/** After the last batch of a commit: blank enrolments become the earliest visit; patients' audit rows. */
	async finishCommit(): Promise<void> {
		for (let j = 0; j < this.placeholderIds.length; j += 1000) {
			const ids = sql.join(this.placeholderIds.slice(j, j + 1000).map((id) => sql`${id}::uuid`), sql`, `);
			await this.db.execute(sql`
				update patients p set enrolled_on = m.first
				from (select patient_id, min(visit_date) as first from visits where patient_id in (${ids}) group by patient_id) m
				where p.id = m.patient_id`);
		}
		const touched = [...this.newPatientIds, ...this.touchedExisting];
		for (let j = 0; j < touched.length; j += 1000) await rollupAdd(this.db, touched.slice(j, j + 1000));
		for (let j = 0; j < this.newPatientIds.length; j += 1000) {
			const rows = await this.db.select().from(patients).where(inArray(patients.id, this.newPatientIds.slice(j, j + 1000))).orderBy(asc(patients.clinicRef));
			await appendAuditMany(this.db, rows.map((r) => this.entry('patient', r.id, patientSnapshot(r))));
		}
	}
}

class Cancelled extends Error {}

export type RunResult = { ok: true; summary: ImportSummary } | { ok: false; message: string; summary?: ImportSummary };

function reasonFor(imp: ImportRow): string {
	return `Import of “${imp.fileName}” (SHA-256 ${imp.fileSha256}), import ${imp.id}`;
}

async function conditionLookup(db: Db): Promise<Map<string, string>> {
	const rows = await db.select({ code: conditions.code, label: conditions.label }).from(conditions);
	const map = new Map<string, string>();
	for (const r of rows) {
		map.set(r.code, r.code);
		map.set(r.label.toLowerCase(), r.code);
	}
	return map;
}

async function pass(db: Db, actor: Actor, imp: ImportRow, write: boolean, onProgress: (p: Progress) => void, signal?: AbortSignal): Promise<ImportPass> {
	const ctx: RowContext = { headers: imp.headers!, mapping: imp.mapping!, dateFormat: imp.dateFormat, conditions: await conditionLookup(db) };
	const layout = layoutOf(ctx.mapping);
	const run = new ImportPass(db, actor, imp, ctx, layout, write, reasonFor(imp));
	let bytes = 0;
	let header = true;
	let batch: { line: number; fields: string[] }[] = [];
	const progress = () => onProgress({ rows: run.summary.rows, bytes, totalBytes: imp.byteSize });
	for await (const record of records(db, imp, (n) => (bytes += n))) {
		if (header) {
			header = false;
			continue;
		}
		batch.push(record);
		if (batch.length >= BATCH_ROWS) {
			if (signal?.aborted && !write) throw new Cancelled('The dry run was cancelled.');
			await run.batch(batch);
			batch = [];
			progress();
		}
	}
	await run.batch(batch);
	await run.flushIssues();
	bytes = imp.byteSize;
	progress();
	return run;
}

function usable(imp: ImportRow | undefined): string | null {
	if (!imp) return 'No such import.';
	if (imp.status === 'committed') return 'This import has already been committed.';
	if (imp.status === 'discarded') return 'This import was discarded; upload the file again.';
	if (imp.status === 'uploading' || !imp.headers) return 'The upload did not finish; upload the file again.';
	if (!imp.mapping || Object.keys(checkMapping(imp.headers, imp.mapping)).length > 0) return 'Save a complete column mapping first.';
	return null;
}

/** Validates every row without writing; stores the rejected rows and the counts. */
export async function dryRun(db: Db, actor: Actor, id: string, onProgress: (p: Progress) => void = () => {}, signal?: AbortSignal): Promise<RunResult> {
	const imp = await getImport(db, id);
	const problem = usable(imp);
	if (problem) return { ok: false, message: problem };
	await db.delete(importIssues).where(eq(importIssues.importId, id));
	let run: ImportPass;
	try {
		run = await pass(db, actor, imp!, false, onProgress, signal);
	} catch (err) {
		if (err instanceof Cancelled) return { ok: false, message: err.message };
		if (err instanceof CsvError) return { ok: false, message: `The file cannot be read as CSV at line ${err.line}: ${err.message}` };
		if (isUniqueViolation(err)) return { ok: false, message: 'Another dry run of this import is running; wait for it to finish.' };
		throw err;
	}
	// Counts only if nothing changed meanwhile (a new mapping, a commit, a discard).
	const recorded = await db.transaction(async (tx) => {
		const [row] = await tx
			.update(imports)
			.set({ status: 'validated', summary: { ...run.summary }, validatedAt: new Date() })
			.where(
				and(
					eq(imports.id, id),
					inArray(imports.status, ['uploaded', 'validated']),
					sql`${imports.mapping} = ${JSON.stringify(imp!.mapping)}::jsonb`,
					eq(imports.dateFormat, imp!.dateFormat)
				)
			)
			.returning({ id: imports.id });
		if (!row) return false;
		await appendAudit(tx, { actorId: actor.id, action: 'dry_run', entity: 'import', entityId: id, after: { ...run.summary }, requestId: actor.requestId });
		return true;
	});
	if (!recorded) {
		// Discarded (or expired) or committed meanwhile: the report this run wrote belongs to nothing.
		const now = await getImport(db, id);
		if (now?.status === 'discarded' || now?.status === 'committed') await dropStored(db, [id]);
		if (now?.status === 'discarded') return { ok: false, message: 'This import was discarded during the dry run; upload the file again.' };
		return { ok: false, message: 'The import changed during the dry run (a new mapping?); run it again.' };
	}
	return { ok: true, summary: run.summary };
}

/**
 * Writes every row in one transaction, or nothing. Needs a dry run of the current mapping with no
 * rejected rows; re-checks every row against the database as it is now.
 */
export async function commitImport(db: Db, actor: Actor, id: string, onProgress: (p: Progress) => void = () => {}): Promise<RunResult> {
	const imp = await getImport(db, id);
	const problem = usable(imp);
	if (problem) return { ok: false, message: problem };
	if (imp!.status !== 'validated' || !imp!.summary) return { ok: false, message: 'Run the dry run first.' };
	if ((imp!.summary.rejected ?? 0) > 0) return { ok: false, message: 'The dry run rejected rows; correct the file and upload it again. Nothing was imported.' };
	try {
		const summary = await db.transaction(async (tx) => {
			// Lock order as in every write: the patients first (all the file names, sorted), then the write lock.
			await lockReferencedPatients(tx, imp!);
			await serializeWrites(tx);
			// First, so that a second commit of the same bytes waits here and then fails on the unique index.
			const [claimed] = await tx
				.update(imports)
				.set({ status: 'committed', committedAt: new Date(), committedBy: actor.id })
				.where(and(eq(imports.id, id), eq(imports.status, 'validated')))
				.returning({ id: imports.id });
			if (!claimed) {
				const now = await getImport(tx, id);
				if (now?.status === 'discarded') throw new ImportGone(`Nothing was imported: this import was discarded meanwhile (by a user, or after ${STAGED_IMPORT_DAYS} days unfinished); upload the file again.`);
				throw new RejectedDuringCommit('This import changed while it was being committed; open it again.');
			}
			const run = await pass(tx, actor, imp!, true, onProgress);
			await run.finishCommit();
			await tx.update(imports).set({ summary: { ...run.summary } }).where(eq(imports.id, id));
			await dropStored(tx, [id]);
			await appendAudit(tx, {
				actorId: actor.id,
				action: 'commit',
				entity: 'import',
				entityId: id,
				after: { fileName: imp!.fileName, sha256: imp!.fileSha256, ...run.summary },
				reason: reasonFor(imp!),
				requestId: actor.requestId
			});
			return run.summary;
		});
		// The import appended the rollup differences of every patient it touched: fold them now
		// rather than leave readers to add them up.
		await foldRollupDeltas(db).catch((err) => console.error('Folding the cohort rollup failed:', err));
		return { ok: true, summary };
	} catch (err) {
		if (isUniqueViolation(err)) return { ok: false, message: 'This exact file has already been imported; nothing was imported again.' };
		if (err instanceof ImportGone) return { ok: false, message: err.message };
		if (err instanceof RejectedDuringCommit || err instanceof CsvError) {
			return { ok: false, message: `Nothing was imported: ${err.message} The data changed since the dry run; run it again.` };
		}
		throw err;
	}
}

/** Locks every stored patient the file refers to (a quick pass reading only the reference column). */
async function lockReferencedPatients(tx: Db, imp: ImportRow): Promise<void> {
	const column = imp.mapping!.indexOf('clinic_ref');
	const refs = new Set<string>();
	let header = true;
	for await (const record of records(tx, imp, () => {})) {
		if (header) {
			header = false;
			continue;
		}
		const ref = record.fields[column]?.trim().toLowerCase();
		if (ref) refs.add(ref);
	}
	const all = [...refs];
	const ids: string[] = [];
	for (let i = 0; i < all.length; i += 1000) {
		const found = await tx
			.select({ id: patients.id })
			.from(patients)
			.where(inArray(sql`lower(${patients.clinicRef})`, all.slice(i, i + 1000)));
		ids.push(...found.map((f) => f.id));
	}
	await lockPatients(tx, ids);
}

export interface IssueView {
	line: number;
	column: string;
	kind: 'error' | 'skipped';
	message: string;
}

export async function importIssuesPage(db: Db, id: string, limit = 200): Promise<IssueView[]> {
	return db
		.select({ line: importIssues.line, column: importIssues.column, kind: importIssues.kind, message: importIssues.message })
		.from(importIssues)
		.where(eq(importIssues.importId, id))
		.orderBy(asc(importIssues.seq))
		.limit(limit);
}

/** Every stored issue, a page at a time (for the CSV download). */
export async function* allImportIssues(db: Db, id: string): AsyncGenerator<IssueView[]> {
	let after = -1;
	for (;;) {
		const page = await db
			.select({ seq: importIssues.seq, line: importIssues.line, column: importIssues.column, kind: importIssues.kind, message: importIssues.message })
			.from(importIssues)
			.where(and(eq(importIssues.importId, id), sql`${importIssues.seq} > ${after}`))
			.orderBy(asc(importIssues.seq))
			.limit(2000);
		if (page.length === 0) return;
		after = page[page.length - 1]!.seq;
		yield page;
	}
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
