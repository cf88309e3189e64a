import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { executeRows, type Db } from '../../src/lib/server/db';
import { createPatient, getPatient, updatePatient } from '../../src/lib/server/patients';
import { patientVisits, recordVisit, saveResponse, updateVisit, voidVisit } from '../../src/lib/server/visits';
import { cohortTrend, cohortTrendFromRollup, cohortTrendPlain, rollupServes, type TrendQuery } from '../../src/lib/server/cohort';
import { foldRollupDeltas, rebuildRollups, refreshSeries } from '../../src/lib/server/cohort/rollup';
import { commitImport, dryRun, getImport, saveMapping, uploadImport } from '../../src/lib/server/import';
import { getInstrument } from '../../src/lib/instruments';
import { driverName, resetDatabase, testDatabase } from './db';
import { makeUser } from './helpers';

// A cohort built through every kind of write the app has — new visits, backdated visits, voids,
// date changes, corrected answers, a changed condition, an import — after which the rollup must
// give the same numbers as the plain SQL over the raw tables, for every chart it serves.
let db: Db;
const CONDITIONS = ['multiple_sclerosis', 'rheumatoid_arthritis', 'sle'];

let state = 42;
const random = () => {
	state = (state * 1103515245 + 12345) % 2 ** 31;
	return state / 2 ** 31;
};
const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
const day = (offset: number) => new Date(Date.UTC(2025, 0, 6) + offset * 86_400_000).toISOString().slice(0, 10);

function close(a: unknown, b: unknown, path = ''): void {
	if (typeof a === 'number' && typeof b === 'number') {
		expect(Math.abs(a - b), `${path}: ${a} vs ${b}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(a)));
	} else if (Array.isArray(a) && Array.isArray(b)) {
		expect(a.length, `${path} length`).toBe(b.length);
		a.forEach((x, i) => close(x, b[i], `${path}[${i}]`));
	} else if (a && b && typeof a === 'object' && typeof b === 'object') {
		expect(Object.keys(a).sort(), path).toEqual(Object.keys(b).sort());
		for (const k of Object.keys(a)) close((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
	} else {
		expect(a, path).toEqual(b);
	}
}

const histogram = (db: Db) => executeRows(db, sql`select instrument_id, scale, condition_code, series, x, measure, value, n from scale_histogram where n > 0 order by 1, 2, 3, 4, 5, 6, 7`);

beforeAll(async () => {
	db = (await testDatabase()).db;
	await resetDatabase(db);
	const actor = await makeUser(db, 'clinician');
	const ids: string[] = [];
	for (let i = 0; i < 24; i++) {
		const p = await createPatient(db, actor, {
			clinicRef: `R-${i}`, name: `P ${i}`, dateOfBirth: '1960-01-01', sex: 'female', conditionCode: CONDITIONS[i % 3]!, enrolledOn: '2025-01-01'
		});
		if (!p.ok) throw new Error(p.message);
		ids.push(p.value);
		const visits = int(1, 7);
		for (let k = 0; k < visits; k++) {
			// Visits mostly two weeks apart, some on the same day, entered out of date order.
			const date = day(k * 14 + int(-3, 3) + 5);
			const responses = [
				{ instrumentId: 'pain_nrs', answers: { pain: int(0, 10) } },
				...(random() < 0.8 ? [{ instrumentId: 'fss9', answers: Object.fromEntries(Array.from({ length: 9 }, (_, j) => [String(j + 1), int(1, 7)])) }] : [])
			];
			const v = await recordVisit(db, actor, p.value, { visitDate: date, kind: 'treatment', acupunctureSessions: 1, flare: 'no', note: null }, responses);
			if (!v.ok) throw new Error(v.message);
		}
	}
	// Voids, date changes and corrected answers on some patients.
	for (const id of ids.filter((_, i) => i % 4 === 0)) {
		const [first, second] = await patientVisits(db, id);
		if (second) {
			const r = await voidVisit(db, actor, second.id, second.version, 'entered in error');
			if (!r.ok) throw new Error(r.message);
		}
		if (first) {
			const r = await updateVisit(db, actor, first.id, first.version, { visitDate: day(40) }, 'wrong date');
			if (!r.ok) throw new Error(r.message);
		}
	}
	for (const id of ids.filter((_, i) => i % 5 === 1)) {
		const first = (await patientVisits(db, id)).find((v) => !v.voided);
		const resp = first?.responses.find((r) => r.instrumentId === 'pain_nrs');
		if (first && resp) {
			const r = await saveResponse(db, actor, first.id, { instrumentId: 'pain_nrs', answers: { pain: 9 } }, { expectedVersion: resp.version, reason: 'typo' });
			if (!r.ok) throw new Error(r.message);
		}
	}
	// A patient moves to another condition.
	const moved = (await getPatient(db, ids[2]!))!;
	const r = await updatePatient(db, actor, moved.id, moved.version, { ...moved, conditionCode: 'rheumatoid_arthritis' }, 'diagnosis revised');
	if (!r.ok) throw new Error(r.message);
	// An import: more visits for existing patients (some earlier than their first) and new patients.
	const rows = ['clinic_ref,name,date_of_birth,sex,condition,visit_date,visit_kind,acupuncture_sessions,pain_nrs__pain'];
	for (let i = 0; i < 30; i++) {
		rows.push(`R-${i % 12},,,,,${day(int(-4, 120))},treatment,1,${int(0, 10)}`);
		rows.push(`NEW-${i % 6},New ${i % 6},1970-02-02,male,sle,${day(i * 3)},treatment,1,${int(0, 10)}`);
	}
	const seen = new Set<string>();
	const unique = rows.filter((line) => {
		const [ref, , , , , date] = line.split(',');
		const key = `${ref}|${date}`;
		if (seen.has(key)) return false;
		seen.add(key);
		return true;
	});
	const up = await uploadImport(db, actor, 'rollup.csv', (async function* () {
		yield new TextEncoder().encode(unique.join('\n'));
	})());
	if (!up.ok) throw new Error(up.message);
	await saveMapping(db, actor, up.id, (await getImport(db, up.id))!.mapping!, 'iso');
	const dry = await dryRun(db, actor, up.id);
	if (!dry.ok || dry.summary.rejected > 0) throw new Error(JSON.stringify(dry));
	const committed = await commitImport(db, actor, up.id);
	if (!committed.ok) throw new Error(committed.message);
	// Saves at the same time (after the import's fold, so their differences stay pending): two per
	// patient, on consecutive days or a week apart (one live visit per date), all after the
	// patients' other visits.
	const saves = await Promise.all(
		ids.slice(0, 8).flatMap((id, i) =>
			[0, 1].map((k) =>
				recordVisit(db, actor, id, { visitDate: day(200 + k * (1 + (i % 2) * 8)), kind: 'treatment', acupunctureSessions: 1, flare: 'no', note: null }, [
					{ instrumentId: 'pain_nrs', answers: { pain: int(0, 10) } },
					{ instrumentId: 'fss9', answers: Object.fromEntries(Array.from({ length: 9 }, (_, j) => [String(j + 1), int(1, 7)])) }
				])
			)
		)
	);
	for (const v of saves) if (!v.ok) throw new Error(v.message);
}, 120_000);
afterAll(() => resetDatabase(db));

const pending = async () => Number((await executeRows(db, sql`select count(*)::int as n from scale_histogram_delta`))[0]!.n);

describe(`cohort rollup (${driverName})`, () => {
	it('gives the plain SQL’s numbers for every chart it serves, after every kind of write', async () => {
		// Some differences are still pending: the charts add them to the histogram.
		expect(await pending()).toBeGreaterThan(0);
		expect(await compareAll()).toBe(48);
	});

	it('gives the same numbers once the pending differences are folded into the histogram', async () => {
		expect(await foldRollupDeltas(db)).toBeGreaterThan(0);
		expect(await pending()).toBe(0);
		expect(await compareAll()).toBe(48);
	});

	it('keeps every patient’s series (count, baseline, last value) as a recount from the raw tables gives it', async () => {
		const series = () => executeRows(db, sql`select * from patient_series order by patient_id, instrument_id, scale`);
		const kept = await series();
		expect(kept.length).toBeGreaterThan(40);
		await db.transaction((tx) => refreshSeries(tx, null));
		close(await series(), kept);
	});

	it('falls back to the raw tables for an enrolment filter or another bucket width', async () => {
		const q: TrendQuery = { instrument: 'pain_nrs', scale: 'score', axis: 'week', bucket: 3, measure: 'score', conditions: [] };
		expect(rollupServes(q)).toBe(false);
		expect(rollupServes({ ...q, bucket: 2, enrolledFrom: '2025-01-01' })).toBe(false);
		close(await cohortTrend(db, q, 1), await cohortTrendPlain(db, q, 1));
	});

	it('refuses to fold a difference that would drive a count below zero or lower one that does not exist, and keeps it pending', async () => {
		await foldRollupDeltas(db);
		const before = await histogram(db);
		const [some] = before as { instrument_id: string; scale: string; condition_code: string; series: string; x: number; measure: string; value: number; n: number }[];
		const insertDelta = (x: number, n: number) =>
			db.execute(sql`insert into scale_histogram_delta (instrument_id, scale, condition_code, series, x, measure, value, n)
				values (${some!.instrument_id}, ${some!.scale}, ${some!.condition_code}, ${some!.series}, ${x}, ${some!.measure}, ${some!.value}, ${n})`);
		const clear = () => db.execute(sql`delete from scale_histogram_delta`);
		// Below zero: an existing count lowered by more than it holds.
		await insertDelta(some!.x, -(Number(some!.n) + 1));
		await expect(foldRollupDeltas(db)).rejects.toThrow();
		expect(await pending()).toBe(1);
		await clear();
		// A count that does not exist, lowered (alongside a good difference, which must not land either).
		await insertDelta(some!.x, 1);
		await insertDelta(9_999, -1);
		await expect(foldRollupDeltas(db)).rejects.toThrow(/does not exist/);
		expect(await pending()).toBe(2);
		await clear();
		close(await histogram(db), before);
	});

	it('matches a rebuild from scratch row for row', async () => {
		await foldRollupDeltas(db);
		const maintained = await histogram(db);
		await rebuildRollups(db);
		const rebuilt = await histogram(db);
		expect(rebuilt.length).toBeGreaterThan(100);
		close(maintained, rebuilt);
		// …and leaves the planner statistics of what it rewrote (nothing else would: autovacuum
		// may be off, as it is on the machines CI runs on).
		const stats = await executeRows(db, sql`select tablename, count(*)::int as columns from pg_stats where tablename in ('scale_histogram', 'patient_series') group by tablename order by tablename`);
		expect(stats.map((r) => String(r.tablename))).toEqual(['patient_series', 'scale_histogram']);
	});

	it('counts every save exactly once when a rebuild runs while saves land', async () => {
		const actor = await makeUser(db, 'clinician');
		const ids = (await executeRows(db, sql`select id from patients order by clinic_ref limit 12`)).map((r) => String(r.id));
		const save = (id: string, i: number) =>
			recordVisit(db, actor, id, { visitDate: day(300 + i), kind: 'treatment', acupunctureSessions: 1, flare: 'no', note: null }, [
				{ instrumentId: 'pain_nrs', answers: { pain: int(0, 10) } },
				{ instrumentId: 'fss9', answers: Object.fromEntries(Array.from({ length: 9 }, (_, j) => [String(j + 1), int(1, 7)])) }
			]);
		// Saves started before, with and after the rebuild (on PostgreSQL each on its own connection;
		// PGlite runs them one at a time). Which interleavings occur is up to the scheduler: this
		// catches a save counted twice or lost, or a failed save or rebuild, in those that do. (It
		// did not catch the removal of the rebuild's patient_series lock in three runs: the window
		// that lock closes, between the rebuild's delete and insert, is a few milliseconds here.)
		const before = ids.map((id, i) => save(id, i));
		const rebuild = rebuildRollups(db);
		const after = ids.map((id, i) => save(id, 20 + i));
		const results = await Promise.all([...before, rebuild, ...after]);
		for (const r of results) if (r && !r.ok) throw new Error(r.message);
		expect(await compareAll()).toBe(48);
		await foldRollupDeltas(db);
		expect(await compareAll()).toBe(48);
		const maintained = await histogram(db);
		await rebuildRollups(db);
		close(maintained, await histogram(db));
	});
});

async function compareAll(): Promise<number> {
	let compared = 0;
	for (const instrument of ['pain_nrs', 'fss9']) {
		for (const scale of getInstrument(instrument)!.scales.map((s) => s.key)) {
			for (const [axis, bucket] of [['visit', 2], ['week', 1], ['week', 2], ['week', 4]] as const) {
				for (const measure of ['score', 'change'] as const) {
					for (const conditions of [[], ['rheumatoid_arthritis', 'sle']]) {
						const q: TrendQuery = { instrument, scale, axis, bucket, measure, conditions };
						expect(rollupServes(q)).toBe(true);
						const fast = await cohortTrendFromRollup(db, q, 1);
						const plain = await cohortTrendPlain(db, q, 1);
						close(fast, plain, `${instrument}/${scale}/${axis}${bucket}/${measure}/${conditions.join('+')}`);
						expect(fast.series.flatMap((s) => s.points).length).toBeGreaterThan(0);
						compared++;
					}
				}
			}
		}
	}
	return compared;
}
