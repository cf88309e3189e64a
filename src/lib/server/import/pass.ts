/**
 * The one pass behind both the dry run and the commit: the stored file is read a record at a
 * time, handled in batches (one lookup query per batch, multi-row inserts), each row checked by
 * row-checks.ts; only one small entry per patient and per visit date is kept, so memory stays flat.
 */
import { randomUUID } from 'node:crypto';
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db';
import { bulkInsert } from '../db/bulk';
import { conditions, importIssues, patients, responses, responseScores, visits } from '../db/schema';
import { appendAuditMany, type AuditEntry } from '../audit';
import type { Actor } from '../users';
import { patientSnapshot } from '../patients';
import { visitSnapshot } from '../visits';
import { rollupAdd, rollupRemove } from '../cohort/rollup';
import { checkMapping, type ImportSummary } from '../../import/fields';
import { layoutOf, parseRow, type Layout, type ParsedRow, type RowContext, type RowIssue } from '../../import/rows';
import { checkRow, type PatientState, type RowCheck, type RowMemory } from './row-checks';
import { records, type ImportRow } from './staging';

/** Rows handled per batch (one lookup query per batch, multi-row inserts). */
const BATCH_ROWS = 500;
/** Rejected rows kept for the report; all are counted. */
export const MAX_STORED_ISSUES = 50_000;

export interface Progress {
	rows: number;
	bytes: number;
	totalBytes: number;
}

/** A batch's rows waiting for their multi-row inserts (commit only). */
interface PendingRows {
	patients: (typeof patients.$inferInsert)[];
	visits: (typeof visits.$inferInsert)[];
	responses: (typeof responses.$inferInsert)[];
	scores: (typeof responseScores.$inferInsert)[];
	audit: AuditEntry[];
}

export class RejectedDuringCommit extends Error {}
export class Cancelled extends Error {}

/**
 * The one pass behind both the dry run and the commit. With `write`, accepted rows are inserted
 * (with their audit rows) batch by batch and the first rejected row aborts the whole pass.
 */
export class ImportPass {
	readonly summary: ImportSummary = { rows: 0, accepted: 0, rejected: 0, skipped: 0, issues: 0, patientsNew: 0, patientsExisting: 0, visits: 0, responses: 0 };
	private newPatientIds: string[] = [];
	/** Existing patients given visits: their rollup points are taken out before the first insert. */
	private touchedExisting = new Set<string>();
	/** New patients whose enrolment was left blank: it becomes their earliest visit. */
	private placeholderIds: string[] = [];
	private pendingIssues: (RowIssue & { kind: 'error' | 'skipped' })[] = [];
	/** Patients and visit lines seen so far (see row-checks.ts). */
	private readonly memory: RowMemory;
	private issueSeq = 0;

	constructor(
		private readonly db: Db,
		private readonly actor: Actor,
		private readonly imp: ImportRow,
		private readonly ctx: RowContext,
		private readonly layout: Layout,
		private readonly write: boolean,
		private readonly reason: string
	) {
		this.memory = { ctx, layout, patientsByRef: new Map(), visitLines: new Map(), column: (field) => this.column(field) };
	}

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
		const pending: PendingRows = { patients: [], visits: [], responses: [], scores: [], audit: [] };
		for (const row of parsed) {
			const { state, issues, scored } = checkRow(row, this.memory);
			if (issues.length > 0 || !state) {
				this.summary.rejected++;
				await this.report(issues, 'error');
				continue;
			}
			if (!state.isNew && existingVisits.has(`${state.id}|${row.visit.visitDate}`)) {
				this.summary.skipped++;
				await this.report([{ line: row.line, column: this.column('visit_date'), message: 'A visit on this date is already recorded for this patient; row skipped.' }], 'skipped');
				continue;
			}
			this.accept(row, state, scored, pending);
		}
		if (this.write) await this.insert(pending);
	}

	/** Counts an accepted row and, when writing, queues its patient, visit, responses and audit rows. */
	private accept(row: ParsedRow, state: PatientState, scored: RowCheck['scored'], pending: PendingRows): void {
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
			pending.patients.push({ id: state.id, clinicRef: row.clinicRef, name: p.name!, dateOfBirth: p.dateOfBirth!, sex: p.sex!, conditionCode: p.conditionCode!, enrolledOn: state.enrolledOn ?? p.dateOfBirth! });
		}
		if (!this.write) return;
		const visitId = randomUUID();
		const visitRow = { id: visitId, patientId: state.id, ...row.visit, createdBy: this.actor.id };
		pending.visits.push(visitRow);
		pending.audit.push(this.entry('visit', visitId, { patientId: state.id, ...visitSnapshot({ ...visitRow, voided: false, voidReason: null }) }));
		for (const s of scored) {
			const responseId = randomUUID();
			pending.responses.push({ id: responseId, visitId, instrumentId: s.instrumentId, instrumentVersion: s.version, scoringVersion: s.scoringVersion, ...s.definition, answers: s.answers, enteredBy: this.actor.id });
			for (const [scale, value] of Object.entries(s.scores)) pending.scores.push({ responseId, instrumentId: s.instrumentId, scale, value });
			pending.audit.push(this.entry('response', responseId, { visitId, instrumentId: s.instrumentId, version: s.version, answers: s.answers, scores: s.scores }));
		}
	}

	/** One batch's writes: existing patients' rollup points out first, then multi-row inserts. */
	private async insert(pending: PendingRows): Promise<void> {
		const db = this.db;
		const isNew = new Set(this.newPatientIds);
		const existing = [...new Set(pending.visits.map((v) => v.patientId))].filter((id) => !isNew.has(id) && !this.touchedExisting.has(id));
		for (const id of existing) this.touchedExisting.add(id);
		await rollupRemove(db, existing);
		await bulkInsert(db, patients, pending.patients);
		await bulkInsert(db, visits, pending.visits);
		await bulkInsert(db, responses, pending.responses);
		await bulkInsert(db, responseScores, pending.scores);
		await appendAuditMany(db, pending.audit);
	}

	private entry(entity: string, entityId: string, after: unknown): AuditEntry {
		return { actorId: this.actor.id, action: 'create', entity, entityId, after, reason: this.reason, requestId: this.actor.requestId };
	}

	/** Stored patients for references not seen before in this file. */
	private async lookUpPatients(rows: ParsedRow[]): Promise<void> {
		const refs = [...new Set(rows.map((r) => r.refKey).filter((k) => !this.memory.patientsByRef.has(k)))];
		if (refs.length === 0) return;
		const found = await this.db
			.select({ id: patients.id, ref: sql<string>`lower(${patients.clinicRef})`, dateOfBirth: patients.dateOfBirth, enrolledOn: patients.enrolledOn, archived: patients.archived })
			.from(patients)
			.where(inArray(sql`lower(${patients.clinicRef})`, refs));
		for (const p of found) {
			this.memory.patientsByRef.set(p.ref, { id: p.id, isNew: false, dateOfBirth: p.dateOfBirth, enrolledOn: p.enrolledOn, archived: p.archived, firstLine: 0, created: true });
			this.summary.patientsExisting++;
		}
	}

	/** `patientId|date` of stored, not voided visits on the dates these rows bring. */
	private async existingVisits(rows: ParsedRow[]): Promise<Set<string>> {
		const ids = [...new Set(rows.map((r) => this.memory.patientsByRef.get(r.refKey)).filter((s): s is PatientState => !!s && !s.isNew).map((s) => s.id))];
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

export type RunResult = { ok: true; summary: ImportSummary } | { ok: false; message: string; summary?: ImportSummary };

export function reasonFor(imp: ImportRow): string {
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

export async function pass(db: Db, actor: Actor, imp: ImportRow, write: boolean, onProgress: (p: Progress) => void, signal?: AbortSignal): Promise<ImportPass> {
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

export function usable(imp: ImportRow | undefined): string | null {
	if (!imp) return 'No such import.';
	if (imp.status === 'committed') return 'This import has already been committed.';
	if (imp.status === 'discarded') return 'This import was discarded; upload the file again.';
	if (imp.status === 'uploading' || !imp.headers) return 'The upload did not finish; upload the file again.';
	if (!imp.mapping || Object.keys(checkMapping(imp.headers, imp.mapping)).length > 0) return 'Save a complete column mapping first.';
	return null;
}
