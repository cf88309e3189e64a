// Instruments as data on a real database: upload (checked, examples run), activate, a clinician's
// entry scored with the stored version, immutability once used (also when the app is bypassed),
// a new version, and the re-score's dry run and run with their audit rows.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import { executeRows, type Db } from '../../src/lib/server/db';
import { auditLog, instrumentDefinitions, responses, responseScores } from '../../src/lib/server/db/schema';
import { createPatient } from '../../src/lib/server/patients';
import { recordVisit, saveResponse } from '../../src/lib/server/visits';
import { activateDefinition, deactivateInstrument, listDefinitions, uploadDefinition } from '../../src/lib/server/instruments/store';
import { rescoreDryRun, rescoreInstrument } from '../../src/lib/server/instruments/rescore';
import { canonicalOf } from '../../src/lib/server/instruments/installed';
import { registerBuiltInDefinitions } from '../../src/lib/server/instruments/builtin';
import { getInstrument, isActive } from '../../src/lib/instruments/registry';
import { BUILT_IN } from '../../src/lib/instruments/definitions';
import { verifyAuditChain } from '../../src/lib/server/audit';
import { cohortTrend } from '../../src/lib/server/cohort';
import { isCheckViolation } from '../../src/lib/server/errors';
import { tinyInstrument } from '../fixtures/tiny-instrument';
import { driverName, resetDatabase, testDatabase } from './db';
import { makeUser } from './helpers';

let db: Db;
let admin: { id: string };
let clinician: { id: string };

const tiny = (a: number, b: number) => ({ instrumentId: 'tiny_test', answers: { a, b } });
const auditOf = (entity: string, action?: string) =>
	db.select().from(auditLog).where(action ? and(eq(auditLog.entity, entity), eq(auditLog.action, action)) : eq(auditLog.entity, entity));

async function visitWith(date: string, ...inputs: { instrumentId: string; answers: Record<string, number> }[]) {
	const p = await createPatient(db, clinician, { clinicRef: `T-${date}`, name: 'Test Patient', dateOfBirth: '1970-05-01', sex: 'female', conditionCode: 'multiple_sclerosis', enrolledOn: '2025-01-10' });
	if (!p.ok) throw new Error(p.message);
	const v = await recordVisit(db, clinician, p.value, { visitDate: date, kind: 'baseline', acupunctureSessions: 0, flare: 'no', note: null }, inputs);
	if (!v.ok) throw new Error(JSON.stringify(v));
	return v.value;
}

async function uploadAndActivate(options: Parameters<typeof tinyInstrument>[0] = {}) {
	const up = await uploadDefinition(db, admin, JSON.stringify(tinyInstrument(options)));
	if (!up.ok) throw new Error(up.message);
	const on = await activateDefinition(db, admin, up.instrumentId, up.version);
	if (!on.ok) throw new Error(on.message);
}

beforeAll(async () => {
	db = (await testDatabase()).db;
});
beforeEach(async () => {
	await resetDatabase(db);
	admin = await makeUser(db, 'admin');
	clinician = await makeUser(db, 'clinician');
});
afterAll(() => resetDatabase(db));

describe(`instrument definitions (${driverName})`, () => {
	it('stores every built-in file at start-up, once, with the digest of its canonical text', async () => {
		const rows = await db.select().from(instrumentDefinitions);
		expect(rows).toHaveLength(BUILT_IN.length);
		for (const q of BUILT_IN) {
			const row = rows.find((r) => r.instrumentId === q.id)!;
			expect(row).toMatchObject({ version: q.version, status: 'active', builtIn: true, sha256: canonicalOf(q).sha256 });
		}
		expect(await registerBuiltInDefinitions(db)).toBe(0);
		expect(await db.select().from(instrumentDefinitions)).toHaveLength(BUILT_IN.length);
	});

	it('checks an upload and stores it as a draft with an audit row; refuses one whose example fails, storing nothing', async () => {
		const bad = await uploadDefinition(db, admin, JSON.stringify(tinyInstrument({ wrongExample: true })));
		expect(bad.ok).toBe(false);
		if (bad.ok) return;
		expect(bad.message).toMatch(/1 of 3 worked example/);
		expect(bad.verification?.examples.find((e) => !e.pass)?.detail).toMatch(/expected 99 ± 1e-9, got 3/);
		expect(await db.select().from(instrumentDefinitions).where(eq(instrumentDefinitions.instrumentId, 'tiny_test'))).toHaveLength(0);

		const up = await uploadDefinition(db, admin, JSON.stringify(tinyInstrument()));
		expect(up).toMatchObject({ ok: true, instrumentId: 'tiny_test', version: '1', stored: 'new' });
		const [row] = await db.select().from(instrumentDefinitions).where(eq(instrumentDefinitions.instrumentId, 'tiny_test'));
		expect(row).toMatchObject({ status: 'draft', builtIn: false, createdBy: admin.id });
		expect(await auditOf('instrument_definition', 'create')).toHaveLength(1);
		// Not in use until activated: a clinician cannot record it.
		expect(getInstrument('tiny_test')).toBeUndefined();
		// The same definition again, formatted otherwise: the same canonical text, nothing new.
		expect(await uploadDefinition(db, admin, JSON.stringify(tinyInstrument(), null, 2))).toMatchObject({ ok: true, stored: 'unchanged' });
	});

	it('activates an uploaded instrument: a clinician records it, scored with the stored version, which the response names', async () => {
		await uploadAndActivate();
		expect(isActive('tiny_test')).toBe(true);
		expect(await auditOf('instrument_definition', 'activate')).toHaveLength(1);
		await visitWith('2025-02-01', tiny(1, 2));
		const [r] = await db.select().from(responses).where(eq(responses.instrumentId, 'tiny_test'));
		expect(r).toMatchObject({ definitionId: 'tiny_test', definitionVersion: '1', definitionSha256: canonicalOf(tinyInstrument() as never).sha256 });
		const scores = await db.select().from(responseScores).where(eq(responseScores.responseId, r!.id));
		expect(scores).toEqual([{ responseId: r!.id, instrumentId: 'tiny_test', scale: 'total', value: 3 }]);
		// A built-in's response names its file version too.
		await visitWith('2025-02-02', { instrumentId: 'pain_nrs', answers: { pain: 4 } });
		const [nrs] = await db.select().from(responses).where(eq(responses.instrumentId, 'pain_nrs'));
		expect(nrs).toMatchObject({ definitionId: 'pain_nrs', definitionVersion: '0-10', definitionSha256: canonicalOf(BUILT_IN.find((q) => q.id === 'pain_nrs')!).sha256 });
	});

	it('charts an uploaded instrument in the cohort, direction and MCID from its stored definition', async () => {
		await uploadAndActivate();
		// Totals 1, 3, 5 (mean 3) for three patients at their first visit.
		for (const [i, [a, b]] of [[1, 0], [1, 2], [2, 3]].entries()) await visitWith(`2025-02-0${i + 1}`, tiny(a!, b!));
		const trend = await cohortTrend(db, { instrument: 'tiny_test', scale: 'total', axis: 'visit', bucket: 2, measure: 'score', conditions: ['multiple_sclerosis'] }, 3);
		const ms = trend.series.find((x) => x.condition === 'multiple_sclerosis')!;
		expect(ms.points.map((p) => [p.x, p.n, p.mean])).toEqual([[1, 3, 3]]);
	});

	it('keeps a used version immutable: the app refuses a changed upload, the database refuses a direct change or deletion', async () => {
		await uploadAndActivate();
		await visitWith('2025-02-01', tiny(1, 2));
		const changed = await uploadDefinition(db, admin, JSON.stringify(tinyInstrument({ title: 'Renamed' })));
		expect(changed).toMatchObject({ ok: false });
		expect(changed.ok ? '' : changed.message).toMatch(/scored 1 stored response\(s\) and cannot change: give your definition a new version/);
		const other = canonicalOf(tinyInstrument({ title: 'Renamed' }) as never);
		let err: unknown = null;
		await db.execute(sql`update instrument_definitions set definition = ${other.text}, sha256 = ${other.sha256} where instrument_id = 'tiny_test'`).catch((e) => (err = e));
		expect(isCheckViolation(err)).toBe(true);
		err = null;
		await db.execute(sql`delete from instrument_definitions where instrument_id = 'tiny_test'`).catch((e) => (err = e));
		expect(isCheckViolation(err)).toBe(true);
		// A digest that is not its text's is refused too.
		err = null;
		await db.execute(sql`insert into instrument_definitions (instrument_id, version, definition, sha256) values ('tiny_test', '9', '{}', ${'0'.repeat(64)})`).catch((e) => (err = e));
		expect(isCheckViolation(err)).toBe(true);
		// Its status may change: deactivation hides it from new entries, the stored data stay.
		expect(await deactivateInstrument(db, admin, 'tiny_test')).toEqual({ ok: true });
		expect(isActive('tiny_test')).toBe(false);
		expect(getInstrument('tiny_test')?.version).toBe('1');
		const p = await createPatient(db, clinician, { clinicRef: 'T-x', name: 'Test Patient', dateOfBirth: '1970-05-01', sex: 'female', conditionCode: 'multiple_sclerosis', enrolledOn: '2025-01-10' });
		if (!p.ok) throw new Error(p.message);
		const refused = await recordVisit(db, clinician, p.value, { visitDate: '2025-03-01', kind: 'baseline', acupunctureSessions: 0, flare: 'no', note: null }, [tiny(1, 1)]);
		expect(refused).toMatchObject({ ok: false, field: 'instruments' });
		expect(await db.select().from(responses)).toHaveLength(1);
		// A response written around the app names a definition too (the stored one of its version).
		const [row] = await executeRows(db, sql`select definition_version from responses`);
		expect(row?.definition_version).toBe('1');
	});

	it('takes a new version, and re-scores: a dry run that writes nothing, then the run with the old scores in the audit log', async () => {
		await uploadAndActivate();
		const first = await visitWith('2025-02-01', tiny(1, 2));
		await visitWith('2025-02-02', tiny(0, 0));
		await uploadAndActivate({ version: '2', weight: 2 });
		expect(getInstrument('tiny_test')?.version).toBe('2');
		const versions = (await listDefinitions(db)).filter((d) => d.instrumentId === 'tiny_test');
		expect(versions.map((d) => [d.version, d.status, d.responses])).toEqual([['1', 'inactive', 2], ['2', 'active', 0]]);

		const dry = await rescoreDryRun(db, 'tiny_test');
		expect(dry).toEqual({ instrumentId: 'tiny_test', version: '2', considered: 2, changed: 1, refused: 0, scales: [{ scale: 'total', changed: 1, largest: 3, mean: 3 }] });
		const stored = async () => (await executeRows(db, sql`select s.value, r.definition_version from response_scores s join responses r on r.id = s.response_id where r.visit_id = ${first}::uuid`))[0];
		expect(await stored()).toMatchObject({ value: 3, definition_version: '1' });
		expect(await auditOf('response', 'rescore')).toHaveLength(0);

		const before = (await db.select().from(auditLog)).length;
		const run = await rescoreInstrument(db, admin, 'tiny_test', 'weight corrected in version 2');
		expect(run).toEqual(dry);
		expect(await stored()).toMatchObject({ value: 6, definition_version: '2' });
		const rows = await auditOf('response', 'rescore');
		expect(rows).toHaveLength(1);
		expect(rows[0]).toMatchObject({ actorId: admin.id, reason: 'weight corrected in version 2', before: { definitionVersion: '1', scores: { total: 3 } }, after: { definitionVersion: '2', scores: { total: 6 } } });
		expect(await auditOf('instrument_definition', 'rescore')).toHaveLength(1);
		expect((await db.select().from(auditLog)).length).toBe(before + 2);
		expect((await verifyAuditChain(db)).intact).toBe(true);
		// Nothing left to re-score; both versions stay, each used, so each is immutable now.
		expect(await rescoreDryRun(db, 'tiny_test')).toMatchObject({ considered: 0, changed: 0 });
		// A correction after the re-score is scored with version 2 and names it.
		const [r] = await db.select().from(responses).where(eq(responses.visitId, first));
		expect((await saveResponse(db, clinician, first, tiny(2, 2), { expectedVersion: r!.version, reason: 'typo' })).ok).toBe(true);
		expect(await stored()).toMatchObject({ value: 8, definition_version: '2' });
	});

	it('refuses hostile definitions with the place named, quickly, storing nothing', async () => {
		const dup = tinyInstrument();
		dup.item[1]!.linkId = 'a';
		const unknownFn = tinyInstrument();
		(unknownFn.item[2]!.extension[0] as { valueExpression: { expression: string } }).valueExpression.expression = "%resource.item.where(linkId = 'a').answer.value.matches('x')";
		const huge = tinyInstrument();
		(huge.item[2]!.extension[0] as { valueExpression: { expression: string } }).valueExpression.expression = '(1 | 2 | 3 | 4 | 5 | 6 | 7 | 8).combine((1 | 2 | 3 | 4 | 5 | 6 | 7 | 8)).count()';
		const cases: [string, string][] = [
			['10 MB', 'x'.repeat(10 * 1024 * 1024)],
			['deep nesting', '{"x":'.repeat(5000) + '{}' + '}'.repeat(5000)],
			['duplicate linkId', JSON.stringify(dup)],
			['unknown function', JSON.stringify(unknownFn)],
			['failing example', JSON.stringify(tinyInstrument({ wrongExample: true }))],
			['not JSON', '{"resourceType": "Questionnaire",']
		];
		for (const [label, text] of cases) {
			const started = performance.now();
			const r = await uploadDefinition(db, admin, text);
			expect(performance.now() - started, label).toBeLessThan(1000);
			expect(r.ok, label).toBe(false);
			if (!r.ok) expect(r.message, label).toMatch(/refused/i);
		}
		expect(await db.select().from(instrumentDefinitions).where(eq(instrumentDefinitions.builtIn, false))).toHaveLength(0);
	});
});
