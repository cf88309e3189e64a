import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { executeRows, type Db } from '../../src/lib/server/db';
import { auditLog, importChunks, imports, patients, responses, responseScores, visits } from '../../src/lib/server/db/schema';
import { appendUpload, beginUpload, commitImport, discardImport, dryRun, expireStagedImports, finishUpload, getImport, importIssuesPage, PART_BYTES, saveMapping, STAGED_IMPORT_DAYS, uploadImport, type Progress } from '../../src/lib/server/import';
import { createPatient, setPatientArchived } from '../../src/lib/server/patients';
import { recordVisit } from '../../src/lib/server/visits';
import { verifyAuditChain } from '../../src/lib/server/audit';
import { scoreResponse } from '../../src/lib/instruments';
import { driverName, resetDatabase, testDatabase } from './db';
import { makeUser } from './helpers';

let db: Db;
let actor: { id: string };

const HEADER = 'Clinic ref;Name;DOB;Sex;Condition;Visit date;Kind;Sessions;Flare;Note;' + Array.from({ length: 9 }, (_, i) => `fss9__${i + 1}`).join(';') + ';pain_nrs__pain';

function line(ref: string, date: string, fss: number | string, pain: number | string, over: Partial<Record<'name' | 'dob' | 'sex' | 'condition' | 'kind' | 'sessions' | 'note', string>> = {}) {
	return [
		ref,
		over.name ?? `Patient ${ref}`,
		over.dob ?? '14/03/1968',
		over.sex ?? 'F',
		over.condition ?? 'Multiple sclerosis',
		date,
		over.kind ?? 'treatment',
		over.sessions ?? '1',
		'N',
		over.note ?? '',
		...Array.from({ length: 9 }, () => String(fss)),
		String(pain)
	].join(';');
}

function bytes(text: string): Uint8Array {
	return new TextEncoder().encode(text);
}

async function* chunks(data: Uint8Array, size = 1000) {
	for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

async function upload(data: Uint8Array, name = 'history.csv') {
	const r = await uploadImport(db, actor, name, chunks(data));
	if (!r.ok) throw new Error(r.message);
	const imp = (await getImport(db, r.id))!;
	const mapped = await saveMapping(db, actor, r.id, imp.mapping!, 'dmy');
	if (!mapped.ok) throw new Error(JSON.stringify(mapped.errors));
	return r.id;
}

const count = async (table: typeof visits | typeof responses | typeof patients | typeof responseScores | typeof auditLog) =>
	((await db.select({ n: sql<number>`count(*)::int` }).from(table)) as [{ n: number }])[0].n;

beforeAll(async () => {
	db = (await testDatabase()).db;
});
beforeEach(async () => {
	await resetDatabase(db);
	actor = await makeUser(db, 'clinician');
});
afterAll(() => resetDatabase(db));

describe(`CSV import (${driverName})`, () => {
	it('uploads, detects encoding and delimiter, proposes a mapping and remembers a changed one', async () => {
		// Windows-1252: "Zoë" with ë = 0xEB, semicolons.
		const text = `${HEADER};Extra\r\n${line('W-1', '02/01/2024', 3, 4, { name: 'Zo\u00eb M\u00fcller' })};x\r\n`;
		const cp1252 = Uint8Array.from(text, (c) => c.charCodeAt(0));
		const r = await uploadImport(db, actor, 'legacy.csv', chunks(cp1252, 7));
		expect(r.ok).toBe(true);
		const imp = (await getImport(db, r.ok ? r.id : ''))!;
		expect(imp).toMatchObject({ encoding: 'windows-1252', delimiter: ';', status: 'uploaded', byteSize: cp1252.length });
		expect(imp.fileSha256).toBe(createHash('sha256').update(cp1252).digest('hex'));
		expect(imp.mapping!.slice(0, 11)).toEqual(['clinic_ref', 'name', 'date_of_birth', 'sex', 'condition', 'visit_date', 'visit_kind', 'acupuncture_sessions', 'flare', 'note', 'fss9__1']);
		expect(imp.mapping!.at(-1)).toBeNull();
		// The user ignores "Note" and maps "Extra" to it; the next file gets that proposal.
		const changed = [...imp.mapping!];
		changed[9] = null;
		changed[changed.length - 1] = 'note';
		expect(await saveMapping(db, actor, imp.id, changed, 'dmy')).toEqual({ ok: true });
		const next = await uploadImport(db, actor, 'next.csv', chunks(bytes('Extra,Note,Clinic ref\n')));
		const nextImp = (await getImport(db, next.ok ? next.id : ''))!;
		expect(nextImp.mapping).toEqual(['note', null, 'clinic_ref']);
		expect(nextImp.delimiter).toBe(',');
		expect(nextImp.dateFormat).toBe('dmy');

		const dry = await dryRun(db, actor, imp.id);
		expect(dry).toMatchObject({ ok: true, summary: { rows: 1, accepted: 1, rejected: 0 } });
		expect(await commitImport(db, actor, imp.id)).toMatchObject({ ok: true });
		const [p] = await db.select().from(patients);
		expect(p!.name).toBe('Zoë Müller');
		const [vis] = await db.select().from(visits);
		expect(vis!.note).toBe('x');
	});

	it('dry run: reports rejected rows by line and column and what would be created, storing nothing', async () => {
		const existing = await createPatient(db, actor, { clinicRef: 'OLD-1', name: 'Stored', dateOfBirth: '1960-01-01', sex: 'male', conditionCode: 'sle', enrolledOn: '2024-01-01' });
		if (!existing.ok) throw new Error();
		await recordVisit(db, actor, existing.value, { visitDate: '2024-02-01', kind: 'baseline', acupunctureSessions: 0, flare: 'no', note: null }, []);
		const text = [
			HEADER,
			line('N-1', '01/03/2024', 4, 6, { kind: 'baseline', sessions: '0' }),
			line('N-1', '15/03/2024', 4, 5),
			line('N-1', '15/03/2024', 4, 5), // line 4: same date again
			line('N-2', '01/03/2024', 8, 5), // line 5: FSS item out of range
			line('old-1', '01/02/2024', 3, 3, { dob: '01/01/1960' }), // line 6: matches the stored visit → skipped
			line('OLD-1', '01/03/2024', 3, 3, { dob: '02/01/1960' }), // line 7: wrong date of birth for the stored patient
			line('OLD-1', '01/04/2024', 3, 3, { dob: '' }), // line 8: new visit for the stored patient
			line('N-3', '01/03/2024', 3, 3, { name: '', sex: '' }) // line 9: new patient without name and sex
		].join('\n');
		const id = await upload(bytes(text));
		const seen: Progress[] = [];
		const result = await dryRun(db, actor, id, (p) => seen.push(p));
		expect(result).toEqual({
			ok: true,
			summary: { rows: 8, accepted: 3, rejected: 4, skipped: 1, issues: 14, patientsNew: 1, patientsExisting: 1, visits: 3, responses: 6 }
		});
		expect(seen.at(-1)).toMatchObject({ rows: 8, bytes: text.length, totalBytes: text.length });
		const issues = await importIssuesPage(db, id);
		// Every FSS item of line 5 is out of range, each reported at its own column.
		expect(issues.filter((i) => i.line === 5).map((i) => i.column)).toEqual(Array.from({ length: 9 }, (_, i) => `fss9__${i + 1}`));
		expect(issues.filter((i) => i.line !== 5)).toEqual([
			{ line: 4, column: 'Visit date', kind: 'error', message: 'Same patient and visit date as line 3.' },
			{ line: 6, column: 'Visit date', kind: 'skipped', message: 'A visit on this date is already recorded for this patient; row skipped.' },
			{ line: 7, column: 'DOB', kind: 'error', message: 'Differs from the stored patient with this clinic reference.' },
			{ line: 9, column: 'Name', kind: 'error', message: 'New patient: Enter the name.' },
			{ line: 9, column: 'Sex', kind: 'error', message: 'New patient: Choose one.' }
		]);
		expect(await count(visits)).toBe(1);
		expect(await count(patients)).toBe(1);
		// Rejected rows: committing is refused and nothing is written.
		expect(await commitImport(db, actor, id)).toMatchObject({ ok: false, message: expect.stringContaining('rejected rows') });
		expect(await count(visits)).toBe(1);
	});

	it('names a row for an archived patient in the dry run and stores nothing; the database refuses it too', async () => {
		const stored = await createPatient(db, actor, { clinicRef: 'ARC-1', name: 'Archived', dateOfBirth: '1960-01-01', sex: 'male', conditionCode: 'sle', enrolledOn: '2024-01-01' });
		if (!stored.ok) throw new Error();
		expect((await setPatientArchived(db, actor, stored.value, 1, true, 'moved away')).ok).toBe(true);
		const id = await upload(bytes([HEADER, line('arc-1', '01/03/2024', 3, 3, { dob: '01/01/1960' })].join('\n')));
		expect(await dryRun(db, actor, id)).toEqual({
			ok: true,
			summary: { rows: 1, accepted: 0, rejected: 1, skipped: 0, issues: 1, patientsNew: 0, patientsExisting: 1, visits: 0, responses: 0 }
		});
		expect(await importIssuesPage(db, id)).toEqual([
			{ line: 2, column: 'Clinic ref', kind: 'error', message: 'This patient is archived; restore them before importing their visits.' }
		]);
		expect(await commitImport(db, actor, id)).toMatchObject({ ok: false });
		expect(await count(visits)).toBe(0);
		// The last line: a visit for an archived patient is refused by the database itself.
		const insert = db.execute(sql`insert into visits (id, patient_id, visit_date, kind, acupuncture_sessions, flare) values (gen_random_uuid(), ${stored.value}::uuid, '2024-03-01', 'treatment', 0, 'no')`);
		await expect(insert).rejects.toMatchObject({ cause: { code: '23514' } });
		expect(await count(visits)).toBe(0);
	});

	it('commit: one bad row in 10,000 stores nothing; the corrected file stores everything, audited with the file’s SHA-256', async () => {
		const rows: string[] = [HEADER];
		for (let i = 0; i < 10_000; i++) {
			const patient = `P-${Math.floor(i / 10)}`;
			const day = String((i % 10) + 1).padStart(2, '0');
			rows.push(line(patient, `${day}/05/2024`, (i % 7) + 1, i % 11, i % 10 === 0 ? { kind: 'baseline', sessions: '0' } : {}));
		}
		const bad = [...rows];
		bad[7_777] = line('P-777', '07/05/2024', 4, 11); // pain 11 is out of range
		const badId = await upload(bytes(bad.join('\r\n')), 'bad.csv');
		const dry = await dryRun(db, actor, badId);
		expect(dry).toMatchObject({ ok: true, summary: { rows: 10_000, rejected: 1, accepted: 9_999 } });
		expect(await importIssuesPage(db, badId)).toEqual([{ line: 7_778, column: 'pain_nrs__pain', kind: 'error', message: expect.any(String) }]);
		expect(await commitImport(db, actor, badId)).toMatchObject({ ok: false });
		expect([await count(patients), await count(visits), await count(responses)]).toEqual([0, 0, 0]);

		// Forcing the commit past the dry run's verdict still stores nothing: the pass aborts and rolls back.
		await db.update(imports).set({ summary: { ...(await getImport(db, badId))!.summary!, rejected: 0 } }).where(eq(imports.id, badId));
		const forced = await commitImport(db, actor, badId);
		expect(forced).toMatchObject({ ok: false, message: expect.stringContaining('Line 7778') });
		expect([await count(patients), await count(visits), await count(responses), await count(responseScores)]).toEqual([0, 0, 0, 0]);
		expect((await getImport(db, badId))!.status).toBe('validated');

		const good = bytes(rows.join('\r\n'));
		const goodId = await upload(good, 'good.csv');
		expect(await dryRun(db, actor, goodId)).toMatchObject({ ok: true, summary: { rejected: 0, accepted: 10_000 } });
		const auditBefore = await count(auditLog);
		const committed = await commitImport(db, actor, goodId);
		expect(committed).toEqual({
			ok: true,
			summary: { rows: 10_000, accepted: 10_000, rejected: 0, skipped: 0, issues: 0, patientsNew: 1_000, patientsExisting: 0, visits: 10_000, responses: 20_000 }
		});
		expect([await count(patients), await count(visits), await count(responses)]).toEqual([1_000, 10_000, 20_000]);
		// One audit row per patient, visit and response, plus the commit itself; each names the file.
		expect((await count(auditLog)) - auditBefore).toBe(1_000 + 10_000 + 20_000 + 1);
		const sha = createHash('sha256').update(good).digest('hex');
		const [withoutReason] = await db
			.select({ n: sql<number>`count(*)::int` })
			.from(auditLog)
			.where(and(sql`${auditLog.entity} in ('patient', 'visit', 'response')`, sql`${auditLog.reason} not like ${`%SHA-256 ${sha}%`}`));
		expect(withoutReason!.n).toBe(0);
		expect(await verifyAuditChain(db)).toMatchObject({ intact: true });
		// Blank enrolment became the earliest visit; scores are the registry's.
		const [p7] = await db.select().from(patients).where(eq(patients.clinicRef, 'P-7'));
		expect(p7!.enrolledOn).toBe('2024-05-01');
		const [score] = await executeRows(db, sql`select rs.value from response_scores rs join responses r on r.id = rs.response_id join visits v on v.id = r.visit_id join patients p on p.id = v.patient_id where p.clinic_ref = 'P-7' and v.visit_date = '2024-05-03' and rs.instrument_id = 'fss9'`);
		const expected = scoreResponse('fss9', Object.fromEntries(Array.from({ length: 9 }, (_, i) => [String(i + 1), (72 % 7) + 1])));
		expect(expected.ok && Number(score!.value)).toBe(expected.ok ? expected.scores.mean : -1);
		// The stored file is gone once committed.
		expect(await db.select().from(importChunks).where(eq(importChunks.importId, goodId))).toEqual([]);

		// The same bytes again: refused at upload.
		const again = await uploadImport(db, actor, 'copy-of-good.csv', chunks(good));
		expect(again).toMatchObject({ ok: false, message: expect.stringContaining('already been imported'), duplicateOf: { id: goodId } });
		// A different file whose rows all match stored visits: every row skipped, nothing duplicated.
		const overlapId = await upload(bytes(rows.slice(0, 101).join('\n')), 'overlap.csv');
		expect(await dryRun(db, actor, overlapId)).toMatchObject({ ok: true, summary: { rows: 100, skipped: 100, accepted: 0, rejected: 0 } });
		expect(await commitImport(db, actor, overlapId)).toMatchObject({ ok: true, summary: { visits: 0 } });
		expect(await count(visits)).toBe(10_000);
	}, 180_000);

	it('two commits of the same validated file at once: exactly one stores it', async () => {
		const text = [HEADER, line('R-1', '01/03/2024', 4, 4, { kind: 'baseline', sessions: '0' })].join('\n');
		const a = await upload(bytes(text), 'a.csv');
		// The same bytes uploaded twice before either is committed.
		const b = await upload(bytes(text), 'b.csv');
		await dryRun(db, actor, a);
		await dryRun(db, actor, b);
		const results = await Promise.all([commitImport(db, actor, a), commitImport(db, actor, b)]);
		expect(results.filter((r) => r.ok)).toHaveLength(1);
		expect(results.find((r) => !r.ok)).toMatchObject({ message: expect.stringContaining('already been imported') });
		expect(await count(visits)).toBe(1);
	});

	it('refuses an empty file and a mapping without the key fields', async () => {
		expect(await uploadImport(db, actor, 'empty.csv', chunks(new Uint8Array(0)))).toMatchObject({ ok: false, message: expect.stringContaining('empty') });
		const r = await uploadImport(db, actor, 'x.csv', chunks(bytes('a,b\n1,2\n')));
		if (!r.ok) throw new Error();
		expect(await saveMapping(db, actor, r.id, ['clinic_ref', null], 'iso')).toMatchObject({ ok: false, errors: { form: expect.stringContaining('Visit date') } });
		expect(await dryRun(db, actor, r.id)).toMatchObject({ ok: false, message: expect.stringContaining('mapping') });
	});

	it('takes parts only in order, only from the uploader, and only of bounded size; a discarded upload is gone', async () => {
		const id = await beginUpload(db, actor, 'parts.csv');
		const other = await makeUser(db, 'clinician');
		expect(await appendUpload(db, other, id, 0, bytes('x'))).toMatchObject({ ok: false });
		expect(await appendUpload(db, actor, id, 1, bytes('x'))).toEqual({ ok: false, message: 'Part 0 is expected next.' });
		expect(await appendUpload(db, actor, id, 0, new Uint8Array(PART_BYTES + 1))).toMatchObject({ ok: false });
		expect(await appendUpload(db, actor, id, 0, bytes('clinic_ref,visit_date,'))).toEqual({ ok: true });
		// A retried part is accepted once, not stored twice.
		expect(await appendUpload(db, actor, id, 0, bytes('clinic_ref,visit_date,'))).toEqual({ ok: true });
		expect(await appendUpload(db, actor, id, 1, bytes('visit_kind,acupuncture_sessions\n'))).toEqual({ ok: true });
		expect(await finishUpload(db, other, id)).toMatchObject({ ok: false });
		expect(await finishUpload(db, actor, id)).toEqual({ ok: true, id });
		expect((await getImport(db, id))!.headers).toEqual(['clinic_ref', 'visit_date', 'visit_kind', 'acupuncture_sessions']);
		expect(await appendUpload(db, actor, id, 2, bytes('more'))).toMatchObject({ ok: false });
		expect(await discardImport(db, actor, id)).toBe(true);
		expect(await db.select().from(importChunks).where(eq(importChunks.importId, id))).toEqual([]);
		expect(await dryRun(db, actor, id)).toMatchObject({ ok: false, message: expect.stringContaining('discarded') });
		const [audit] = await db.select().from(auditLog).where(and(eq(auditLog.entityId, id), eq(auditLog.action, 'discard')));
		expect(audit).toMatchObject({ entity: 'import', actorId: actor.id });
	});

	it('discards imports left unfinished for a week, with their stored file and report, and nothing else', async () => {
		const old = (days: number, id: string) => db.update(imports).set({ createdAt: sql`now() - make_interval(days => ${days})` }).where(eq(imports.id, id));
		const files = async (id: string) => (await db.select().from(importChunks).where(eq(importChunks.importId, id))).length;
		// Old and dry-run (with a rejected row in its report); old and never finished; old and committed; fresh.
		const checked = await upload(bytes([HEADER, line('E-1', '01/03/2024', 8, 5)].join('\n')), 'checked.csv');
		expect(await dryRun(db, actor, checked)).toMatchObject({ ok: true, summary: { rejected: 1 } });
		const unfinished = await beginUpload(db, actor, 'unfinished.csv');
		expect(await appendUpload(db, actor, unfinished, 0, bytes('clinic_ref,visit_date\n'))).toEqual({ ok: true });
		const committed = await upload(bytes([HEADER, line('E-2', '01/03/2024', 4, 5, { kind: 'baseline', sessions: '0' })].join('\n')), 'committed.csv');
		expect(await dryRun(db, actor, committed)).toMatchObject({ ok: true, summary: { rejected: 0 } });
		expect(await commitImport(db, actor, committed)).toMatchObject({ ok: true });
		const fresh = await upload(bytes([HEADER, line('E-3', '01/03/2024', 4, 5)].join('\n')), 'fresh.csv');
		await old(STAGED_IMPORT_DAYS + 1, checked);
		await old(STAGED_IMPORT_DAYS + 1, unfinished);
		await old(STAGED_IMPORT_DAYS + 1, committed);
		await old(STAGED_IMPORT_DAYS - 1, fresh);
		const visitsBefore = await count(visits);

		expect(await expireStagedImports(db)).toBe(2);
		for (const id of [checked, unfinished]) {
			expect((await getImport(db, id))!.status).toBe('discarded');
			expect(await files(id)).toBe(0);
			const [audit] = await db.select().from(auditLog).where(and(eq(auditLog.entityId, id), eq(auditLog.action, 'expire')));
			expect(audit).toMatchObject({ entity: 'import', actorId: null });
		}
		expect(await importIssuesPage(db, checked)).toEqual([]);
		expect(await dryRun(db, actor, checked)).toMatchObject({ ok: false, message: expect.stringContaining('discarded') });
		expect(await saveMapping(db, actor, checked, (await getImport(db, checked))!.mapping!, 'dmy')).toMatchObject({ ok: false });
		expect(await commitImport(db, actor, checked)).toMatchObject({ ok: false });
		expect(await finishUpload(db, actor, unfinished)).toMatchObject({ ok: false });
		expect((await getImport(db, checked))!.status).toBe('discarded');
		expect((await getImport(db, committed))!.status).toBe('committed');
		expect((await getImport(db, fresh))!.status).toBe('uploaded');
		expect(await files(fresh)).toBeGreaterThan(0);
		expect(await count(visits)).toBe(visitsBefore);
		expect(await verifyAuditChain(db)).toMatchObject({ intact: true });
		// Nothing more to discard on the next run.
		expect(await expireStagedImports(db)).toBe(0);
	});
});
