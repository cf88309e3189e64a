import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/lib/server/db';
import { createPatient } from '../../src/lib/server/patients';
import { recordVisit, voidVisit } from '../../src/lib/server/visits';
import { createHash } from 'node:crypto';
import { desc, eq } from 'drizzle-orm';
import { auditLog } from '../../src/lib/server/db/schema';
import { exportChunks, exportLines, planExport, type ExportOptions } from '../../src/lib/server/export';
import { executeRows } from '../../src/lib/server/db';
import { sql } from 'drizzle-orm';
import { exportResponse } from '../../src/lib/server/export/download';
import { driverName, resetDatabase, testDatabase } from './db';
import { makeUser } from './helpers';

let db: Db;
let actorId: string;
const SECRET = 'integration-secret-0123456789abcdef0123';
const base: ExportOptions = { instruments: ['pain_nrs'], conditions: [], includeItems: false, pseudonyms: 'stable', k: 3 };

async function csv(o: ExportOptions, batch = 2, method: 'auto' | 'batch' = 'auto') {
	const plan = await planExport(db, o);
	let text = '';
	for await (const line of exportLines(db, o, plan, SECRET, method, batch)) text += line;
	return { plan, text, lines: text.trim().split('\r\n').map((l) => l.split(',')) };
}

beforeAll(async () => {
	db = (await testDatabase()).db;
	await resetDatabase(db);
	const actor = await makeUser(db, 'clinician');
	actorId = actor.id;
	// Four MS women aged 41, 42, 47 and 48 at baseline: two per 5-year band, so both bands widen to 40-49.
	// One MS man aged 70: alone even with age and sex suppressed, so he is left out.
	const people: [string, string, string][] = [['1983-06-01', 'female', 'multiple_sclerosis'], ['1982-06-01', 'female', 'multiple_sclerosis'], ['1977-06-01', 'female', 'multiple_sclerosis'], ['1976-06-01', 'female', 'multiple_sclerosis'], ['1955-01-01', 'male', 'multiple_sclerosis']];
	for (const [i, [dob, sex, condition]] of people.entries()) {
		const p = await createPatient(db, actor, { clinicRef: `X-${i}`, name: `Secret Name ${i}`, dateOfBirth: dob, sex: sex as 'female', conditionCode: condition, enrolledOn: '2025-01-01' });
		if (!p.ok) throw new Error(p.message);
		const visit = (date: string, pain: number) => recordVisit(db, actor, p.value, { visitDate: date, kind: 'treatment', acupunctureSessions: 1, flare: 'no', note: '=HYPERLINK("x")' }, [{ instrumentId: 'pain_nrs', answers: { pain } }]);
		await visit('2025-01-10', 6);
		const v = await visit('2025-01-17', 9);
		if (v.ok && i === 0) await voidVisit(db, actor, v.value, 1, 'wrong');
		await visit('2025-01-31', 4);
	}
});
afterAll(() => resetDatabase(db));

describe(`anonymised export (${driverName})`, () => {
	it('gives the same bytes by COPY (PostgreSQL) and by formatted batches, items included', async () => {
		const o: ExportOptions = { ...base, instruments: ['pain_nrs', 'fss9'], includeItems: true };
		const byCopy = await csv(o, 2, 'auto');
		const byBatch = await csv(o, 3, 'batch');
		expect(byCopy.text).toBe(byBatch.text);
		expect(byCopy.text.endsWith('\r\n')).toBe(true);
		expect(byCopy.text.split('\r\n')[1]).toMatch(/^[0-9a-f]{64},multiple_sclerosis,female,40-49,1,0,treatment,1,no,pain_nrs,0-10,score,6,clinician,6(,){9}$/);
	});

	it('applies the condition and enrolment filters the same way by COPY and by batches', async () => {
		const all = await csv(base);
		// Whole quarters below admin; day-precise periods are an admin's only (privacy.test.ts).
		for (const [o, rows] of [
			[{ ...base, conditions: ['multiple_sclerosis'], enrolledFrom: '2025-01-01', enrolledTo: '2025-03-31' }, 11],
			[{ ...base, conditions: ['rheumatoid_arthritis'] }, 0],
			[{ ...base, enrolledTo: '2024-12-31' }, 0],
			[{ ...base, enrolledFrom: '2025-04-01' }, 0],
			[{ ...base, conditions: ['multiple_sclerosis'], enrolledFrom: '2025-01-01', enrolledTo: '2025-01-01', unrestricted: true }, 11],
			[{ ...base, enrolledFrom: '2025-01-02', unrestricted: true }, 0]
		] as [ExportOptions, number][]) {
			const byCopy = await csv(o, 2, 'auto');
			expect(byCopy.text).toBe((await csv(o, 3, 'batch')).text);
			expect(byCopy.lines.length - 1).toBe(rows);
			if (rows) expect(byCopy.text).toBe(all.text);
		}
	});

	it('writes the documented columns and nothing identifying', async () => {
		const { lines, plan } = await csv(base);
		expect(lines[0]).toEqual(['pseudonym', 'condition', 'sex', 'age_band', 'visit_number', 'days_since_baseline', 'visit_kind', 'acupuncture_sessions', 'flare', 'instrument', 'instrument_version', 'scale', 'score', 'source']);
		const body = lines.slice(1).map((l) => l.join(','));
		expect(body.join('\n')).not.toMatch(/Secret Name|X-\d|19\d\d-|2025-|HYPERLINK/);
		// 4 exported patients × 3 visits, one voided → 11 rows; the man is left out.
		expect(body).toHaveLength(11);
		expect(plan).toMatchObject({ patients: 4, rows: 11, suppressedPatients: 1, generalisedPatients: 4, smallestGroup: 4 });
	});

	it('plans the same patients and groups with or without counting rows', async () => {
		const whole = await planExport(db, base);
		const forDownload = await planExport(db, base, { countRows: false });
		expect({ ...forDownload, rows: whole.rows }).toEqual(whole);
		expect(whole.ids.length).toBe(16 * whole.patients);
	});

	it('numbers visits and days from each patient’s baseline, leaving voided visits out', async () => {
		const { lines } = await csv(base);
		const rows = lines.slice(1);
		const byPatient = new Map<string, string[][]>();
		for (const r of rows) byPatient.set(r[0]!, [...(byPatient.get(r[0]!) ?? []), r]);
		const shapes = [...byPatient.values()].map((rs) => rs.map((r) => `${r[4]}/${r[5]}/${r[12]}`).join(' '));
		expect(shapes.filter((s) => s === '1/0/6 2/7/9 3/21/4')).toHaveLength(3);
		expect(shapes).toContain('1/0/6 2/21/4');
	});

	it('generalises quasi-identifiers until every group holds k patients', async () => {
		const { lines, plan } = await csv(base);
		const combos = new Map<string, Set<string>>();
		for (const r of lines.slice(1)) combos.set(`${r[1]}|${r[2]}|${r[3]}`, (combos.get(`${r[1]}|${r[2]}|${r[3]}`) ?? new Set()).add(r[0]!));
		for (const [combo, ids] of combos) expect(ids.size, combo).toBeGreaterThanOrEqual(3);
		expect([...combos.keys()]).toEqual(['multiple_sclerosis|female|40-49']);
		expect(plan.generalisedPatients).toBe(4);
	});

	it('keeps stable pseudonyms across exports and makes unlinkable ones differ', async () => {
		const a = new Set((await csv(base)).lines.slice(1).map((r) => r[0]));
		const b = new Set((await csv(base)).lines.slice(1).map((r) => r[0]));
		const c = new Set((await csv({ ...base, pseudonyms: 'unlinkable' })).lines.slice(1).map((r) => r[0]));
		expect([...a]).toEqual([...b]);
		expect([...c].some((p) => a.has(p))).toBe(false);
	});

	it('adds one column per item when asked, and leaves out patients who cannot reach k', async () => {
		const { lines } = await csv({ ...base, includeItems: true });
		expect(lines[0]!.at(-1)).toBe('pain_nrs__pain');
		expect(lines[1]!.at(-1)).toBe(lines[1]![12]);
		const strict = await csv({ ...base, k: 6 });
		expect(strict.plan).toMatchObject({ patients: 0, suppressedPatients: 5 });
		expect(strict.lines).toHaveLength(1);
	});

	it('audits the export with the SHA-256 of exactly the bytes sent', async () => {
		const plan = await planExport(db, base);
		const response = exportResponse({ read: db, write: db }, base, plan, SECRET, { id: actorId, requestId: 'req-export' });
		const bytes = Buffer.from(await response.arrayBuffer());
		const [row] = await db.select().from(auditLog).where(eq(auditLog.action, 'export')).orderBy(desc(auditLog.id)).limit(1);
		expect(row).toMatchObject({ actorId, entity: 'export', requestId: 'req-export' });
		expect(row!.after).toMatchObject({ rows: 11, patients: 4, sha256: createHash('sha256').update(bytes).digest('hex'), filters: { instruments: ['pain_nrs'] } });
		expect(bytes.toString('utf8').split('\r\n').length - 2).toBe(11);
	});

	it('leaves no statement running and the connections usable when a download is abandoned half-way', async () => {
		const plan = await planExport(db, base, { countRows: false });
		const chunks = exportChunks(db, base, plan, SECRET, 'auto', 1); // one patient a batch on PGlite
		expect((await chunks.next()).done).toBe(false);
		expect((await chunks.next()).done).toBe(false);
		await chunks.return(undefined);
		if (driverName === 'postgres') {
			const running = await executeRows(db, sql`select count(*)::int as n from pg_stat_activity where query like '/* export %' and state = 'active' and pid <> pg_backend_pid()`);
			expect(running[0]!.n).toBe(0);
		}
		// Every pooled connection still answers (none is left waiting on an unfinished COPY).
		const answers = await Promise.all(Array.from({ length: 8 }, () => executeRows(db, sql`select 1 as one`)));
		expect(answers.map((r) => r[0]!.one)).toEqual(Array(8).fill(1));
		// And a whole export after it gives every row.
		expect((await csv(base)).lines).toHaveLength(12);
	});
});
