/**
 * Item answers (issue 23 #12): the database accepts only a JSON object of the instrument's item
 * keys with numbers (in the item's range) or null, whoever writes; and the export neutralises a
 * formula-looking cell whatever put it there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../src/lib/server/db';
import { responses, visits } from '../../src/lib/server/db/schema';
import { createPatient } from '../../src/lib/server/patients';
import { recordVisit, saveResponse } from '../../src/lib/server/visits';
import { isCheckViolation } from '../../src/lib/server/errors';
import { exportLines, planExport, type ExportOptions } from '../../src/lib/server/export';
import { CsvParser } from '../../src/lib/import/csv';
import { csvCell } from '../../src/lib/export/csv';
import { csvCellSql } from '../../src/lib/server/export/cells';
import { executeRows } from '../../src/lib/server/db';
import { INSTRUMENTS } from '../../src/lib/instruments';
import { driverName, resetDatabase, testDatabase } from './db';
import { makeUser } from './helpers';

let db: Db;
let actor: { id: string };
let visitId: string;
/** A visit with no pain_nrs response (an fss9 one), for raw pain_nrs inserts. */
let otherVisitId: string;
const patientIds: string[] = [];

beforeAll(async () => {
	db = (await testDatabase()).db;
	await resetDatabase(db);
	actor = await makeUser(db, 'clinician');
	for (let i = 0; i < 3; i++) {
		const p = await createPatient(db, actor, { clinicRef: `A-${i}`, name: `Answer Test ${i}`, dateOfBirth: '1980-06-01', sex: 'female', conditionCode: 'multiple_sclerosis', enrolledOn: '2025-01-01' });
		if (!p.ok) throw new Error(p.message);
		patientIds.push(p.value);
		const v = await recordVisit(db, actor, p.value, { visitDate: '2025-01-10', kind: 'baseline', acupunctureSessions: 0, flare: 'no', note: null }, [{ instrumentId: 'pain_nrs', answers: { pain: 5 } }]);
		if (!v.ok) throw new Error(v.message);
		if (i === 0) visitId = v.value;
	}
	const fss = Object.fromEntries(Array.from({ length: 9 }, (_, k) => [String(k + 1), 4]));
	const other = await recordVisit(db, actor, patientIds[0]!, { visitDate: '2025-01-20', kind: 'treatment', acupunctureSessions: 1, flare: 'no', note: null }, [{ instrumentId: 'fss9', answers: fss }]);
	if (!other.ok) throw new Error(other.message);
	otherVisitId = other.value;
});
afterAll(() => resetDatabase(db));

/** A response written straight into the table, as a script or a restore could. */
function rawInsert(instrumentId: string, answers: unknown) {
	return db.insert(responses).values({ id: randomUUID(), visitId: instrumentId === 'fss9' ? visitId : otherVisitId, instrumentId, instrumentVersion: '1', scoringVersion: '1', answers, enteredBy: actor.id });
}

async function refused(write: Promise<unknown>): Promise<boolean> {
	try {
		await write;
		return false;
	} catch (err) {
		return isCheckViolation(err);
	}
}

describe(`item answers in the database (${driverName})`, () => {
	it.each([
		['a formula as an answer', 'fss9', { '1': '=1+2' }],
		['a text number', 'fss9', { '1': '3' }],
		['a key the instrument does not have', 'fss9', { q1: 3 }],
		['a boolean', 'pain_nrs', { pain: true }],
		['a nested object', 'pain_nrs', { pain: { x: 1 } }],
		['a number out of the item’s range', 'pain_nrs', { pain: 11 }],
		['an array instead of an object', 'pain_nrs', [5]]
	])('refuses %s, written around the app', async (_, instrumentId, answers) => {
		expect(await refused(rawInsert(instrumentId, answers))).toBe(true);
	});

	it('accepts numbers and nulls under the instrument’s own keys, and refuses an update to anything else', async () => {
		const id = randomUUID();
		await db.insert(responses).values({ id, visitId, instrumentId: 'fss9', instrumentVersion: '1', scoringVersion: '1', answers: { '1': 3, '2': null, '9': 7 }, enteredBy: actor.id });
		expect(await refused(db.update(responses).set({ answers: { '1': '=cmd|x' } }).where(eq(responses.id, id)))).toBe(true);
	});

	it('knows every item of every instrument in the registry, with its range', async () => {
		const rows = await db.execute(sql`select instrument_id, item_key, min, max from instrument_items`);
		const list = (Array.isArray(rows) ? rows : (rows as { rows: unknown[] }).rows) as { instrument_id: string; item_key: string; min: number; max: number }[];
		const stored = new Map(list.map((r) => [`${r.instrument_id}:${r.item_key}`, [Number(r.min), Number(r.max)]]));
		for (const def of INSTRUMENTS) for (const item of def.items) expect(stored.get(`${def.id}:${item.key}`), `${def.id} ${item.key}`).toEqual([item.min, item.max]);
	});

	it('still saves an edit through the app', async () => {
		expect(await saveResponse(db, actor, visitId, { instrumentId: 'pain_nrs', answers: { pain: 2 } }, { expectedVersion: 1, reason: 'typo' })).toMatchObject({ ok: true });
	});
});

describe(`export of answers, whatever their origin (${driverName})`, () => {
	const o: ExportOptions = { instruments: ['pain_nrs'], conditions: [], includeItems: true, pseudonyms: 'stable', k: 3 };

	async function exported(method: 'auto' | 'batch'): Promise<string[][]> {
		const plan = await planExport(db, o);
		let text = '';
		for await (const line of exportLines(db, o, plan, 'answers-test-secret-0123456789abcdef', method, 2)) text += line;
		const parser = new CsvParser(',');
		return [...parser.push(text), ...parser.end()].map((r) => r.fields);
	}

	it('neutralises a formula-looking answer and keeps the row’s columns, by COPY and by batches', async () => {
		// As a restore of an older dump or a superuser could: behind the constraint's trigger.
		const bad = ['=1+2', '-2+3,"x"', '@SUM(A1)'];
		await db.transaction(async (tx) => {
			await tx.execute(sql`set local session_replication_role = replica`);
			for (const [i, answer] of bad.entries()) {
				const [v] = await tx.select({ id: visits.id }).from(visits).where(eq(visits.patientId, patientIds[i]!));
				await tx.update(responses).set({ answers: { pain: answer } }).where(eq(responses.visitId, v!.id));
			}
		});
		for (const method of ['auto', 'batch'] as const) {
			const [header, ...rows] = await exported(method);
			const column = header!.indexOf('pain_nrs__pain');
			expect(column).toBeGreaterThan(0);
			for (const row of rows) expect(row).toHaveLength(header!.length);
			expect(rows.map((r) => r[column]).sort()).toEqual(bad.map((b) => `'${b}`).sort());
		}
	});

	it('formats a text cell in the database exactly as csvCell does in the app', async () => {
		const samples = ['=1+2', '+1', '-1', '-1.5e3', '+x', '-x', '@A1', '\tcmd', '\rcmd', 'plain', 'a,b', 'say "hi"', 'two\nlines', "it's", '', '1.', '.5', "'=x"];
		const rows = await executeRows(db, sql.raw(`select ${csvCellSql('t.x')} as cell from (values ${samples.map((x, i) => `(${i}, '${x.replace(/'/g, "''")}')`).join(', ')}) as t(i, x) order by t.i`));
		expect(rows.map((r) => String(r.cell))).toEqual(samples.map((x) => csvCell(x)));
	});
});
