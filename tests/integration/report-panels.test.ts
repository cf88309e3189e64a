/**
 * The panel kept for every locked plan version (migration 0039, schema report-panels.ts) on both
 * drivers: after the lock, and after every kind of write that can change a report — a visit
 * recorded, voided, re-dated, its sessions changed, a score edited, a patient's condition,
 * enrolment, sex or birth date changed, a new patient, plain SQL bypassing the app — the kept rows
 * give exactly the rows the report computes without them (readPanel), and the same report for an
 * administrator and a researcher. The database refuses any change to a kept version's choices, and
 * keeping a draft.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { executeRows, type Db } from '../../src/lib/server/db';
import { createPatient, getPatient, updatePatient } from '../../src/lib/server/patients';
import { getVisit, recordVisit, saveResponse, updateVisit, voidVisit } from '../../src/lib/server/visits';
import { createPlan, getPlanVersion, lockPlan } from '../../src/lib/server/plans';
import { computeReport } from '../../src/lib/server/reports/compute';
import { panelFromVisits, readKeptPanel, readPanel, type PanelRow } from '../../src/lib/server/reports/panel';
import type { PlanBody } from '../../src/lib/reports/types';
import { rowsOfPanel } from '../../src/lib/reports/assemble';
import { driverName, resetDatabase, testDatabase } from './db';
import { makeUser, refused } from './helpers';

let db: Db;
let actor: { id: string };
const asOf = '2025-09-30';
const D0 = Date.UTC(2025, 0, 6);
const day = (d: number) => new Date(D0 + d * 86_400_000).toISOString().slice(0, 10);
/** Each patient's visits start at their enrolment: day 0 of the cohort, or later. */
const start = new Map<string, number>();

/** A small deterministic generator (mulberry32), so the cohort is the same on every run. */
function rng(seed: number) {
	let a = seed;
	return () => {
		a = (a + 0x6d2b79f5) | 0;
		let t = Math.imul(a ^ (a >>> 15), 1 | a);
		t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

const base = {
	title: 'Kept panel',
	primary: { instrument: 'pain_nrs', scale: 'score' },
	secondary: [
		{ instrument: 'who5', scale: 'raw' },
		{ instrument: 'pain_nrs', scale: 'score' }
	],
	primary_population: 'carried_forward'
} as const;
const PLANS: PlanBody[] = [
	{ ...base, conditions: ['multiple_sclerosis', 'crohns'], timepoint: { weeks: 8, window_weeks: 2 }, secondary: [...base.secondary] } as PlanBody,
	{ ...base, conditions: ['multiple_sclerosis'], timepoint: { weeks: 4, window_weeks: 3 }, enrolled_from: '2025-01-01', enrolled_to: '2025-06-30', secondary: [...base.secondary] } as PlanBody,
	{ ...base, conditions: ['multiple_sclerosis', 'crohns', 'sle'], timepoint: { visit: 3 }, min_sessions: 2, secondary: [{ instrument: 'who5', scale: 'percentage' }] } as PlanBody
];
const kept: { versionId: string; planId: string; plan: PlanBody }[] = [];
const patientIds: string[] = [];

async function addPatient(r: () => number, n: number, condition: string, enrolled: string) {
	const p = await createPatient(db, actor, { clinicRef: `K-${n}`, name: `Kept ${n}`, dateOfBirth: `19${50 + Math.floor(r() * 40)}-0${1 + Math.floor(r() * 9)}-15`, sex: r() < 0.5 ? 'female' : 'male', conditionCode: condition, enrolledOn: enrolled });
	if (!p.ok) throw new Error(p.message);
	patientIds.push(p.value);
	start.set(p.value, Math.max(0, Math.round((Date.parse(enrolled) - D0) / 86_400_000)));
	return p.value;
}

async function visit(patientId: string, d: number, o: { pain?: number; who5?: number; sessions?: number } = {}) {
	const responses: { instrumentId: string; answers: Record<string, number> }[] = [
		...(o.pain !== undefined ? [{ instrumentId: 'pain_nrs', answers: { pain: o.pain } }] : []),
		...(o.who5 !== undefined ? [{ instrumentId: 'who5', answers: { 1: o.who5, 2: o.who5, 3: (o.who5 + 1) % 6, 4: o.who5, 5: o.who5 } }] : [])
	];
	const v = await recordVisit(db, actor, patientId, { visitDate: day(start.get(patientId)! + d), kind: 'treatment', acupunctureSessions: o.sessions ?? 1, flare: 'no', note: null }, responses);
	if (!v.ok) throw new Error(v.message);
	return v.value;
}

const comparable = (rows: PanelRow[]) => rows.map((r) => ({ ...r, age: r.idx === 0 ? r.age : null }));

/** The panel from the base tables alone (visits, responses, scores: no kept table), as readPanel types it. */
async function fromVisits(plan: PlanBody, allPeriods: boolean): Promise<PanelRow[]> {
	const rows = await executeRows(db, panelFromVisits(plan, asOf, allPeriods));
	const num = (v: unknown) => (v === null ? null : Number(v));
	const bool = (v: unknown) => v === true || v === 't';
	return rows.map((r) => ({ idx: Number(r.idx), sex: String(r.sex), condition: String(r.condition), age: num(r.age), sessions_all: Number(r.sessions_all), base: num(r.base), fu: num(r.fu), reached: bool(r.reached), sessions: num(r.sessions), quarter: Number(r.quarter), inside: bool(r.inside) }));
}

/**
 * Every kept version's rows equal those computed from the base tables (both period readings).
 * After writes through the app, they also equal the report's own computation (which reads the
 * app-kept rollup for weeks time points), and so do the reports, for an admin and a researcher.
 */
async function expectKeptEqualsComputed(when: string, throughApp = true) {
	for (const { versionId, planId, plan } of kept) {
		for (const allPeriods of [false, true]) {
			const keptPanel = await readKeptPanel(db, versionId, plan, asOf, allPeriods);
			expect(keptPanel, `${when}: version ${versionId} is kept`).not.toBeNull();
			const fromKept = rowsOfPanel(keptPanel!);
			const label = `${when}: ${JSON.stringify(plan.timepoint)} allPeriods=${allPeriods}`;
			expect(comparable(fromKept!), label).toEqual(comparable(await fromVisits(plan, allPeriods)));
			if (throughApp) expect(comparable(fromKept!), label).toEqual(comparable(await readPanel(db, plan, asOf, allPeriods)));
		}
		if (!throughApp) continue;
		const meta = { id: planId, version: 1, sha256: '0'.repeat(64), locked_at: '2025-01-01T00:00:00.000Z' };
		for (const role of ['admin', 'researcher'] as const) {
			if (role === 'researcher' && plan.enrolled_from && plan.min_sessions) continue;
			const live = await computeReport(db, plan, meta, { k: 2, role, asOf });
			const fromKept = await computeReport(db, plan, meta, { k: 2, role, asOf, versionId });
			expect(fromKept, `${when}: report for ${role}`).toEqual(live);
		}
	}
}

describe(`the panel kept per locked plan (${driverName})`, () => {
	beforeAll(async () => {
		db = (await testDatabase()).db;
		await resetDatabase(db);
		actor = { id: (await makeUser(db, 'admin')).id };
		const r = rng(20);
		const conditions = ['multiple_sclerosis', 'crohns', 'sle', 'rheumatoid_arthritis'];
		for (let n = 0; n < 36; n++) {
			const enrolled = ['2024-11-15', '2025-01-02', '2025-03-20', '2025-05-05', '2025-08-01'][n % 5]!;
			const id = await addPatient(r, n, conditions[n % 4]!, enrolled);
			if (n % 9 === 8) continue; // no visits
			let d = Math.floor(r() * 3);
			const visits = 1 + Math.floor(r() * 6);
			for (let i = 0; i < visits; i++) {
				await visit(id, d, { pain: r() < 0.85 ? Math.floor(r() * 11) : undefined, who5: r() < 0.6 ? Math.floor(r() * 6) : undefined, sessions: Math.floor(r() * 3) });
				d += 7 + Math.floor(r() * 28);
			}
		}
	});
	afterAll(() => undefined);

	it('keeps every locked version from its lock, with the follow-ups already recorded', async () => {
		for (const plan of PLANS) {
			const { id } = await createPlan(db, actor, plan);
			const draft = await getPlanVersion(db, id);
			// A draft is not kept: reading its panel gives nothing to read from.
			expect(await readKeptPanel(db, draft!.id, plan, asOf)).toBeNull();
			const locked = await lockPlan(db, actor, id);
			if (!locked.ok) throw new Error(locked.message);
			kept.push({ versionId: draft!.id, planId: id, plan });
			// The follow-ups recorded at lock: the report's "follow-up value recorded", before the sessions rule.
			const rows = await readPanel(db, { ...plan, min_sessions: undefined }, asOf);
			expect(locked.followupsAtLock).toBe(rows.filter((x) => x.idx === 0 && x.base !== null && x.fu !== null).length);
		}
		expect(kept.map((k) => k.plan.timepoint)).toEqual(PLANS.map((p) => p.timepoint));
		// The cohort gives every plan follow-up values to keep.
		for (const { plan } of kept) expect((await readPanel(db, plan, asOf)).filter((x) => x.fu !== null).length).toBeGreaterThan(3);
		await expectKeptEqualsComputed('at lock');
	});

	it('follows every write through the app', async () => {
		const [p0, p1, p2, p3] = patientIds as [string, string, string, string];
		// A new follow-up visit, and a visit on a patient who had none.
		const v = await visit(p0, 120, { pain: 2, who5: 5, sessions: 2 });
		await visit(patientIds[8]!, 10, { pain: 6 });
		await expectKeptEqualsComputed('after visits recorded');
		// Voided.
		expect(await voidVisit(db, actor, v, 1, 'entered in error')).toMatchObject({ ok: true });
		await expectKeptEqualsComputed('after a void');
		// Re-dated and its sessions changed (the patient's second visit).
		const second = (await executeRows(db, sql`select id from visits where patient_id = ${p1}::uuid and not voided order by visit_date offset 1 limit 1`))[0];
		if (second) {
			const current = await getVisit(db, String(second.id));
			const moved = await updateVisit(db, actor, String(second.id), current!.version, { visitDate: day(start.get(p1)! + 58), acupunctureSessions: 4 }, 'date typed wrongly');
			expect(moved).toMatchObject({ ok: true });
		}
		await expectKeptEqualsComputed('after a visit edited');
		// A score corrected.
		const scored = (await executeRows(db, sql`select v.id from visits v join responses r on r.visit_id = v.id where v.patient_id = ${p2}::uuid and r.instrument_id = 'pain_nrs' and not v.voided order by v.visit_date desc limit 1`))[0];
		expect(scored).toBeDefined();
		expect(await saveResponse(db, actor, String(scored!.id), { instrumentId: 'pain_nrs', answers: { pain: 10 } }, { expectedVersion: 1, reason: 'typo' })).toMatchObject({ ok: true });
		await expectKeptEqualsComputed('after a score edited');
		// A patient's condition, enrolment, sex and birth date changed.
		const p = await getPatient(db, p3);
		const changed = await updatePatient(db, actor, p3, p!.version, { clinicRef: p!.clinicRef, name: p!.name, dateOfBirth: '1944-02-29', sex: 'other', conditionCode: 'multiple_sclerosis', enrolledOn: '2025-02-01' }, 'registered under the wrong condition');
		expect(changed).toMatchObject({ ok: true });
		await expectKeptEqualsComputed('after a patient edited');
		// A new patient of a kept plan's condition, with no visits yet.
		await addPatient(rng(99), 100, 'crohns', '2025-04-01');
		await expectKeptEqualsComputed('after a new patient');
		// Saves at once (concurrent on PostgreSQL): two for one patient, one for another.
		await Promise.all([visit(p0, 200, { pain: 1, sessions: 3 }), visit(p0, 210, { pain: 4, who5: 2 }), visit(p2, 200, { pain: 7 })]);
		await expectKeptEqualsComputed('after concurrent saves');
		// Every note was settled at its transaction's commit.
		expect((await executeRows(db, sql`select count(*)::int as n from report_panel_pending`))[0]!.n).toBe(0);
	});

	// The report's own computation for weeks time points reads the rollup the app keeps
	// (patient_series): written around the app, only the base tables are the reference.
	it('follows writes that bypass the app', async () => {
		await db.execute(sql`update response_scores set value = value + 1 where instrument_id = 'who5' and scale = 'raw' and value < 20`);
		await expectKeptEqualsComputed('after scores changed in SQL', false);
		// Every visit at once: every patient noted by one statement.
		await db.execute(sql`update visits set acupuncture_sessions = acupuncture_sessions + 1`);
		await expectKeptEqualsComputed('after every visit\'s sessions changed in SQL', false);
		await db.execute(sql`update visits set acupuncture_sessions = acupuncture_sessions + 1 where visit_date < ${day(30)}::date`);
		await expectKeptEqualsComputed('after sessions changed in SQL', false);
		await db.execute(sql`update visits set voided = true, void_reason = 'bulk', version = version + 1 where id in (select id from visits where not voided order by id limit 5)`);
		await expectKeptEqualsComputed('after visits voided in SQL', false);
		await db.execute(sql`update patients set condition_code = 'sle' where id = ${patientIds[1]}::uuid`);
		await expectKeptEqualsComputed('after a condition changed in SQL', false);
		// Several statements in one transaction: the patients are noted as they change, and
		// recomputed once, at commit.
		await db.transaction(async (tx) => {
			await tx.execute(sql`update visits set acupuncture_sessions = acupuncture_sessions + 2 where patient_id = ${patientIds[4]}::uuid`);
			await tx.execute(sql`update response_scores set value = 0 where response_id in (select r.id from responses r join visits v on v.id = r.visit_id where v.patient_id = ${patientIds[5]}::uuid) and instrument_id = 'pain_nrs'`);
			const [noted] = await executeRows(tx, sql`select count(*)::int as n from report_panel_pending`);
			expect(noted!.n).toBe(2);
		});
		expect((await executeRows(db, sql`select count(*)::int as n from report_panel_pending`))[0]!.n).toBe(0);
		await expectKeptEqualsComputed('after a transaction of several statements', false);
	});

	it('refuses any change to a kept version\'s choices, and keeping a draft', async () => {
		const vid = kept[0]!.versionId;
		expect(await refused(db.execute(sql`update report_panels set visit = 4, target_day = null, from_day = null, to_day = null where version_id = ${vid}::uuid`))).toBe('23514');
		expect(await refused(db.execute(sql`delete from report_panels where version_id = ${vid}::uuid`))).toBe('23514');
		const { id } = await createPlan(db, actor, PLANS[0]!);
		const draft = await getPlanVersion(db, id);
		expect(
			await refused(
				db.execute(sql`insert into report_panels (version_id, conditions, instruments, scales, target_day, from_day, to_day) values (${draft!.id}::uuid, array['crohns'], array['pain_nrs'], array['score'], 56, 42, 70)`)
			)
		).toBe('23514');
		expect((await executeRows(db, sql`select count(*)::int as n from report_panels`))[0]!.n).toBe(PLANS.length);
	});
});
