/**
 * Analysis plans on both drivers: create, edit a draft, lock (canonical JSON, SHA-256 the database
 * can recompute, who/when, the follow-ups already recorded) with its audit row; a locked version
 * refused any change through the app and, with the app bypassed, by the database's trigger; a new
 * version supersedes the locked one with a reason; and the report is read from the locked version.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import { executeRows, type Db } from '../../src/lib/server/db';
import { analysisPlanVersions, auditLog, referenceEffects } from '../../src/lib/server/db/schema';
import { createPatient } from '../../src/lib/server/patients';
import { recordVisit } from '../../src/lib/server/visits';
import { createPlan, getPlanVersion, lockPlan, planVersions, supersedePlan, updateDraft } from '../../src/lib/server/plans';
import { addReferenceEffect, withdrawReferenceEffect } from '../../src/lib/server/plans/reference-effects';
import { readReport } from '../../src/lib/server/plans/report';
import { canonicalPlanJson } from '../../src/lib/reports/canonical';
import type { PlanBody } from '../../src/lib/reports/types';
import { driverName, resetDatabase, testDatabase } from './db';
import { makeUser, refused } from './helpers';

let db: Db;
let actor: { id: string };
let researcher: { id: string; role: 'researcher' };

const plan = (over: Partial<PlanBody> = {}): PlanBody => ({
	title: 'Pain at week 4 in RA',
	conditions: ['rheumatoid_arthritis'],
	primary: { instrument: 'pain_nrs', scale: 'score' },
	timepoint: { weeks: 4, window_weeks: 1 },
	secondary: [],
	primary_population: 'completers',
	...over
});

/** A patient with a baseline pain score and, when given, one at `weeks` weeks. */
async function patientWith(ref: string, weeks: number | null, conditionCode = 'rheumatoid_arthritis') {
	const p = await createPatient(db, actor, { clinicRef: ref, name: `Plan ${ref}`, dateOfBirth: '1970-01-01', sex: 'female', conditionCode, enrolledOn: '2025-01-01' });
	if (!p.ok) throw new Error(p.message);
	const visit = async (date: string, pain: number) => {
		const r = await recordVisit(db, actor, p.value, { visitDate: date, kind: 'treatment', acupunctureSessions: 1, flare: 'no', note: null }, [{ instrumentId: 'pain_nrs', answers: { pain } }]);
		if (!r.ok) throw new Error(r.message);
	};
	await visit('2025-01-06', 7);
	if (weeks !== null) await visit(new Date(Date.UTC(2025, 0, 6 + weeks * 7)).toISOString().slice(0, 10), 4);
}

describe(`analysis plans (${driverName})`, () => {
	beforeAll(async () => {
		db = (await testDatabase()).db;
	});
	afterAll(() => undefined);
	beforeEach(async () => {
		await resetDatabase(db);
		const u = await makeUser(db, 'researcher');
		actor = { id: u.id };
		researcher = { id: u.id, role: 'researcher' };
	});

	it('creates a draft, edits it, and locks it with a hash the database can recompute, the follow-ups already recorded and an audit row', async () => {
		await patientWith('A1', 4);
		await patientWith('A2', 5); // in the window (4 ± 1)
		await patientWith('A3', 7); // outside it
		await patientWith('A4', null);
		await patientWith('A5', 4, 'crohns'); // another condition
		const { id, version } = await createPlan(db, actor, plan({ title: 'First title' }));
		expect(version).toBe(1);
		const edited = await updateDraft(db, actor, id, plan());
		expect(edited).toEqual({ ok: true, version: 1 });

		const locked = await lockPlan(db, actor, id);
		if (!locked.ok) throw new Error(locked.message);
		const canonical = canonicalPlanJson(plan());
		expect(canonical.startsWith('{"conditions":["rheumatoid_arthritis"],"primary":{"instrument":"pain_nrs","scale":"score"}')).toBe(true);
		expect(locked.sha256).toBe(createHash('sha256').update(canonical, 'utf8').digest('hex'));
		expect(locked.followupsAtLock).toBe(2);
		const [row] = await executeRows(db, sql`select status, canonical, sha256 = encode(sha256(convert_to(canonical, 'UTF8')), 'hex') as recomputed from analysis_plan_versions where id = ${id}::uuid`);
		expect(row).toMatchObject({ status: 'locked', canonical, recomputed: true });

		const audit = await db.select().from(auditLog).where(and(eq(auditLog.entity, 'analysis_plan'), eq(auditLog.entityId, id))).orderBy(auditLog.id);
		expect(audit.map((a) => a.action)).toEqual(['create', 'update', 'lock']);
		expect(audit[2]!.actorId).toBe(actor.id);
		expect(audit[2]!.after).toMatchObject({ version: 1, status: 'locked', sha256: locked.sha256, followups_at_lock: 2, locked_by: actor.id });
		expect(audit[1]!.before).toMatchObject({ plan: { title: 'First title' } });
	});

	it('refuses to change a locked plan through the app', async () => {
		const { id } = await createPlan(db, actor, plan());
		await lockPlan(db, actor, id);
		expect(await updateDraft(db, actor, id, plan({ title: 'Changed' }))).toMatchObject({ ok: false, status: 409 });
		expect(await lockPlan(db, actor, id)).toMatchObject({ ok: false, status: 409 });
		expect(await lockPlan(db, actor, '00000000-0000-4000-8000-000000000000')).toMatchObject({ ok: false, status: 404 });
		expect((await getPlanVersion(db, id))!.body.title).toBe('Pain at week 4 in RA');
	});

	it('the database refuses any change to a locked version, its deletion, and a lock whose hash is not its text’s, with the app bypassed', async () => {
		const { id } = await createPlan(db, actor, plan());
		await lockPlan(db, actor, id);
		const where = sql`where id = ${id}::uuid`;
		expect(await refused(db.execute(sql`update analysis_plan_versions set body = jsonb_set(body, '{title}', '"Changed"') ${where}`))).toBe('23514');
		expect(await refused(db.execute(sql`update analysis_plan_versions set sha256 = repeat('0', 64) ${where}`))).toBe('23514');
		expect(await refused(db.execute(sql`update analysis_plan_versions set followups_at_lock = 99 ${where}`))).toBe('23514');
		expect(await refused(db.execute(sql`update analysis_plan_versions set status = 'draft', canonical = null, sha256 = null, locked_by = null, locked_at = null, followups_at_lock = null ${where}`))).toBe('23514');
		expect(await refused(db.execute(sql`delete from analysis_plan_versions ${where}`))).toBe('23514');
		// Superseded without a next version: refused at commit.
		expect(await refused(db.transaction(async (tx) => {
			await tx.execute(sql`update analysis_plan_versions set status = 'superseded', superseded_by = gen_random_uuid(), superseded_reason = 'x', superseded_at = now() ${where}`);
		}))).toMatch(/23503|23514/);
		// A draft locked by hand with a hash that is not its canonical text's.
		const other = await createPlan(db, actor, plan({ title: 'Other' }));
		expect(await refused(db.execute(sql`update analysis_plan_versions set status = 'locked', canonical = ${canonicalPlanJson(plan({ title: 'Other' }))}, sha256 = repeat('a', 64), locked_by = ${actor.id}::uuid, locked_at = now(), followups_at_lock = 0 where id = ${other.id}::uuid`))).toBe('23514');
		const [row] = await db.select().from(analysisPlanVersions).where(eq(analysisPlanVersions.id, id));
		expect(row!.status).toBe('locked');
	});

	it('a new version supersedes the locked one with a reason; a draft is edited, not superseded', async () => {
		const { id } = await createPlan(db, actor, plan());
		expect(await supersedePlan(db, actor, id, plan({ title: 'v2' }), 'Too early')).toMatchObject({ ok: false, status: 409 });
		const lock1 = await lockPlan(db, actor, id);
		const v2 = await supersedePlan(db, actor, id, plan({ title: 'v2', timepoint: { weeks: 8, window_weeks: 2 } }), 'Week 8 is the trials’ time point');
		expect(v2).toEqual({ ok: true, id, version: 2 });
		const versions = await planVersions(db, id);
		expect(versions.map((v) => [v.version, v.status])).toEqual([[1, 'superseded'], [2, 'draft']]);
		expect(versions[0]!.supersededReason).toBe('Week 8 is the trials’ time point');
		expect(versions[0]!.sha256).toBe(lock1.ok ? lock1.sha256 : null);
		// The superseded version changes no more.
		expect(await refused(db.execute(sql`update analysis_plan_versions set superseded_reason = 'other' where plan_id = ${id}::uuid and version = 1`))).toBe('23514');
		const lock2 = await lockPlan(db, actor, id);
		expect(lock2).toMatchObject({ ok: true, version: 2 });
		const audit = await db.select().from(auditLog).where(and(eq(auditLog.entity, 'analysis_plan'), eq(auditLog.entityId, id))).orderBy(auditLog.id);
		expect(audit.map((a) => a.action)).toEqual(['create', 'lock', 'supersede', 'lock']);
		expect(audit[2]!.reason).toBe('Week 8 is the trials’ time point');
		expect(audit[2]!.after).toMatchObject({ version: 2, superseded_version: 1 });
	});

	it('reads the report from the newest locked version, names it, and refuses a draft', async () => {
		for (let i = 0; i < 6; i++) await patientWith(`R${i}`, 4);
		const { id } = await createPlan(db, actor, plan());
		expect(await readReport(db, db, researcher, id, { k: 5, via: 'api' })).toMatchObject({ ok: false, status: 409 });
		const lock = await lockPlan(db, actor, id);
		if (!lock.ok) throw new Error(lock.message);
		const read = await readReport(db, db, researcher, id, { k: 5, via: 'api' });
		if (!read.ok) throw new Error(read.message);
		expect(read.report.plan).toEqual({ id, version: 1, sha256: lock.sha256, locked_at: lock.lockedAt.toISOString() });
		expect(read.report.flow.with_followup).toBe(6);
		const views = await db.select().from(auditLog).where(and(eq(auditLog.entity, 'report'), eq(auditLog.action, 'view')));
		expect(views).toHaveLength(1);
		// A day-precise period (an administrator's plan) is reported to administrators only.
		const admin = await makeUser(db, 'admin');
		const dayPlan = await createPlan(db, { id: admin.id }, plan({ enrolled_from: '2025-01-02' }));
		await lockPlan(db, { id: admin.id }, dayPlan.id);
		expect(await readReport(db, db, researcher, dayPlan.id, { k: 5, via: 'api' })).toMatchObject({ ok: false, status: 403 });
		expect(await readReport(db, db, { id: admin.id, role: 'admin' }, dayPlan.id, { k: 5, via: 'api' })).toMatchObject({ ok: true });
	});

	it('reference effects are withdrawn with a reason, never edited or deleted', async () => {
		const added = await addReferenceEffect(db, actor, { citation: 'Trial 2020', population: 'RA adults', conditionCode: 'rheumatoid_arthritis', instrumentId: 'pain_nrs', scale: 'score', measure: 'mean_change', effect: -1.5, ciLow: -2.1, ciHigh: -0.9 });
		if (!added.ok) throw new Error(added.message);
		expect(await refused(db.execute(sql`update reference_effects set effect = -3 where id = ${added.value}::uuid`))).toBe('23514');
		expect(await refused(db.execute(sql`delete from reference_effects where id = ${added.value}::uuid`))).toBe('23514');
		expect(await refused(db.insert(referenceEffects).values({ citation: 'x', population: 'y', instrumentId: 'pain_nrs', scale: 'score', measure: 'smd', effect: 1, ciLow: 2, ciHigh: 3 }))).toBe('23514');
		expect(await withdrawReferenceEffect(db, actor, added.value, 'Retracted')).toBe(true);
		expect(await withdrawReferenceEffect(db, actor, added.value, 'Again')).toBe(false);
	});
});
