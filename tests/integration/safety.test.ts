/**
 * Adverse events, flare episodes and the safety figures against a real database (both drivers):
 * the rules at the field and in the database with the app bypassed, edits and voids with their
 * audit rows, concurrent edits, the serious-event notice, and a hand-built cohort whose figures
 * are worked out by hand below.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import * as v from 'valibot';
import type { Db } from '../../src/lib/server/db';
import { adverseEvents, auditLog, flareEpisodes, visits } from '../../src/lib/server/db/schema';
import { pgErrorCode } from '../../src/lib/server/errors';
import { createPatient } from '../../src/lib/server/patients';
import { recordVisit, updateVisit } from '../../src/lib/server/visits';
import {
	acknowledgeAdverseEvent,
	recordAdverseEvent,
	recordFlare,
	unacknowledgedSerious,
	updateAdverseEvent,
	updateFlare
} from '../../src/lib/server/safety';
import { AdverseEventSchema, type AdverseEventInput, type FlareInput } from '../../src/lib/validation/safety';
import { driverName, resetDatabase, testDatabase } from './db';
import { makeUser } from './helpers';

let db: Db;
let actor: { id: string };

const ae = (over: Partial<AdverseEventInput> = {}): AdverseEventInput => ({
	onsetOn: '2025-02-01',
	visitId: null,
	categoryCode: 'bleeding_bruising',
	categoryDetail: null,
	severity: 'mild',
	serious: false,
	seriousCriteria: [],
	relatedness: 'probable',
	actionTaken: 'none',
	outcome: 'recovered',
	resolvedOn: '2025-02-03',
	note: null,
	...over
});
const flare = (over: Partial<FlareInput> = {}): FlareInput => ({ onsetOn: '2025-02-01', endedOn: null, severity: 'moderate', triggers: ['stress'], treatmentChanged: false, note: null, ...over });

let refs = 0;
async function newPatient(conditionCode = 'rheumatoid_arthritis', enrolledOn = '2025-01-01') {
	const r = await createPatient(db, actor, { clinicRef: `SF-${++refs}`, name: `Safety ${refs}`, dateOfBirth: '1970-01-01', sex: 'female', conditionCode, enrolledOn });
	if (!r.ok) throw new Error(r.message);
	return r.value;
}
async function newVisit(patientId: string, visitDate: string, acupunctureSessions: number, aeAnswer: 'none' | 'yes' | 'not_asked' = 'not_asked') {
	const r = await recordVisit(db, actor, patientId, { visitDate, kind: 'treatment', acupunctureSessions, aeAnswer, note: null }, []);
	if (!r.ok) throw new Error(r.message);
	return r.value;
}
async function ok<T>(p: Promise<{ ok: true; value: T } | { ok: false; message: string }>): Promise<T> {
	const r = await p;
	if (!r.ok) throw new Error(r.message);
	return r.value;
}
/** The SQLSTATE a statement failed with (it must fail). */
async function refusedWith(query: Promise<unknown>): Promise<string | undefined> {
	try {
		await query;
	} catch (err) {
		return pgErrorCode(err);
	}
	throw new Error('the database accepted it');
}

beforeAll(async () => {
	db = (await testDatabase()).db;
});
beforeEach(async () => {
	await resetDatabase(db);
	actor = await makeUser(db, 'clinician');
});
afterAll(() => resetDatabase(db));

describe(`adverse events (${driverName})`, () => {
	it('refuses bad input at the field and stores nothing', async () => {
		const p = await newPatient();
		const parse = (x: Record<string, unknown>) => {
			const r = v.safeParse(AdverseEventSchema, x);
			return r.success ? {} : Object.fromEntries(r.issues.map((i) => [v.getDotPath(i), i.message]));
		};
		const form = { onsetOn: '2025-02-01', visitId: '', categoryCode: 'other', categoryDetail: '', severity: 'mild', serious: 'yes', seriousCriteria: [], relatedness: 'possible', actionTaken: 'none', outcome: 'recovering', resolvedOn: '2025-01-20', note: '' };
		const errors = parse(form);
		expect(Object.keys(errors).sort()).toEqual(['categoryDetail', 'resolvedOn', 'seriousCriteria']);
		expect(parse({ ...form, onsetOn: '2999-01-01' })).toHaveProperty('onsetOn');
		expect(parse({ ...form, severity: 'lethal' })).toHaveProperty('severity');
		// What needs the patient: the server says it at the field.
		expect(await recordAdverseEvent(db, actor, p, ae({ onsetOn: '2024-12-31', resolvedOn: null }))).toMatchObject({ ok: false, field: 'onsetOn' });
		expect(await recordAdverseEvent(db, actor, p, ae({ categoryCode: 'no_such_kind' }))).toMatchObject({ ok: false, field: 'categoryCode' });
		const other = await newPatient();
		const otherVisit = await newVisit(other, '2025-01-05', 1);
		expect(await recordAdverseEvent(db, actor, p, ae({ visitId: otherVisit }))).toMatchObject({ ok: false, field: 'visitId' });
		// Found by a walk-through: an onset before the visit it followed was accepted.
		const ownVisit = await newVisit(p, '2025-01-20', 1);
		expect(await recordAdverseEvent(db, actor, p, ae({ visitId: ownVisit, onsetOn: '2025-01-19', resolvedOn: null }))).toEqual({
			ok: false,
			field: 'onsetOn',
			message: 'The onset cannot be before the visit it followed (2025-01-20).'
		});
		expect(await db.select().from(adverseEvents)).toHaveLength(0);
		expect(await recordAdverseEvent(db, actor, p, ae({ visitId: ownVisit, onsetOn: '2025-01-20', resolvedOn: null }))).toMatchObject({ ok: true });
	});

	it('records one event for a form sent twice (its one-time key), also when both arrive at once', async () => {
		// A walk-through sent the adverse-event form twice and got two events.
		const p = await newPatient();
		const key = randomUUID();
		const first = await ok(recordAdverseEvent(db, actor, p, ae({ resolvedOn: null }), key));
		expect(await recordAdverseEvent(db, actor, p, ae({ resolvedOn: null }), key)).toEqual({ ok: true, value: first });
		const key2 = randomUUID();
		const both = await Promise.all([0, 1].map(() => recordAdverseEvent(db, actor, p, ae({ onsetOn: '2025-02-02', resolvedOn: null }), key2)));
		expect(both[0]).toMatchObject({ ok: true });
		expect(both[1]).toEqual(both[0]);
		const rows = await db.select({ id: adverseEvents.id }).from(adverseEvents).where(eq(adverseEvents.patientId, p));
		expect(rows).toHaveLength(2);
		const created = await db.select().from(auditLog).where(and(eq(auditLog.entity, 'adverse_event'), eq(auditLog.action, 'create')));
		expect(created).toHaveLength(2);
		// The key is the form's, for one patient; without a key every call records.
		expect(await recordAdverseEvent(db, actor, await newPatient(), ae({ resolvedOn: null }), key)).toMatchObject({ ok: false, field: 'form' });
		await ok(recordAdverseEvent(db, actor, p, ae({ resolvedOn: null })));
		await ok(recordAdverseEvent(db, actor, p, ae({ resolvedOn: null })));
		expect(await db.select({ id: adverseEvents.id }).from(adverseEvents).where(eq(adverseEvents.patientId, p))).toHaveLength(4);
	});

	it('a visit cannot move after the onset of a live event that followed it, in the app or in SQL', async () => {
		const p = await newPatient();
		const visit = await newVisit(p, '2025-02-01', 1);
		const event = await ok(recordAdverseEvent(db, actor, p, ae({ visitId: visit, onsetOn: '2025-02-03', resolvedOn: null })));
		const move = (visitDate: string, version: number) =>
			updateVisit(db, actor, visit, version, { visitDate, kind: 'treatment', acupunctureSessions: 1, note: null, aeAnswer: 'not_asked', flare: undefined }, 'date corrected');
		expect(await move('2025-02-04', 1)).toEqual({
			ok: false,
			field: 'visitDate',
			message: "An adverse event recorded as following this visit started on 2025-02-03: the visit cannot move after it. Change the event's onset or its visit first."
		});
		const [kept] = await db.select({ visitDate: visits.visitDate }).from(visits).where(eq(visits.id, visit));
		expect(kept!.visitDate).toBe('2025-02-01');
		expect(await refusedWith(db.execute(sql`update visits set visit_date = '2025-02-04' where id = ${visit}`)), 'moved in plain SQL').toBe('23514');
		// Earlier, or to the onset's own day: allowed.
		expect(await move('2025-02-03', 1)).toEqual({ ok: true });
		// A voided event does not hold the visit back.
		expect((await updateAdverseEvent(db, actor, event, 1, { voided: true, voidReason: 'entered twice' }, 'entered twice')).ok).toBe(true);
		expect(await move('2025-02-05', 2)).toEqual({ ok: true });
	});

	it('the database refuses each rule with the app bypassed', async () => {
		const p = await newPatient();
		const other = await newPatient();
		const otherVisit = await newVisit(other, '2025-01-05', 1);
		const ownVisit = await newVisit(p, '2025-02-03', 1);
		const insert = (cols: string) =>
			db.execute(
				sql.raw(`insert into adverse_events (patient_id, onset_on, category_code, severity, serious, serious_criteria, relatedness, action_taken, outcome, resolved_on, category_detail, visit_id)
				select '${p}', ${cols}`)
			);
		const good = `'2025-02-01', 'nausea', 'mild', false, '{}', 'possible', 'none', 'recovered', null, null, null`;
		await insert(good);
		const cases: [string, string, string][] = [
			['serious without a criterion', `'2025-02-01', 'nausea', 'severe', true, '{}', 'possible', 'none', 'recovered', null, null, null`, '23514'],
			['a criterion on an event not serious', `'2025-02-01', 'nausea', 'mild', false, '{death}', 'possible', 'none', 'fatal', null, null, null`, '23514'],
			['an unknown criterion', `'2025-02-01', 'nausea', 'mild', true, '{sneezing}', 'possible', 'none', 'recovered', null, null, null`, '23514'],
			['an unknown category', `'2025-02-01', 'sneezing', 'mild', false, '{}', 'possible', 'none', 'recovered', null, null, null`, '23503'],
			['an unknown severity', `'2025-02-01', 'nausea', 'lethal', false, '{}', 'possible', 'none', 'recovered', null, null, null`, '23514'],
			['an unknown relatedness', `'2025-02-01', 'nausea', 'mild', false, '{}', 'maybe', 'none', 'recovered', null, null, null`, '23514'],
			['an unknown outcome', `'2025-02-01', 'nausea', 'mild', false, '{}', 'possible', 'none', 'cured', null, null, null`, '23514'],
			['fatal without death', `'2025-02-01', 'nausea', 'severe', true, '{hospitalisation}', 'possible', 'none', 'fatal', null, null, null`, '23514'],
			['onset before enrolment', `'2024-12-31', 'nausea', 'mild', false, '{}', 'possible', 'none', 'recovered', null, null, null`, '23514'],
			['onset in the future', `current_date + 5, 'nausea', 'mild', false, '{}', 'possible', 'none', 'recovered', null, null, null`, '23514'],
			['resolution before onset', `'2025-02-01', 'nausea', 'mild', false, '{}', 'possible', 'none', 'recovered', '2025-01-31', null, null`, '23514'],
			['a resolution date while recovering', `'2025-02-01', 'nausea', 'mild', false, '{}', 'possible', 'none', 'recovering', '2025-02-02', null, null`, '23514'],
			['other without a specification', `'2025-02-01', 'other', 'mild', false, '{}', 'possible', 'none', 'recovered', null, ' ', null`, '23514'],
			['another patient’s visit', `'2025-02-01', 'nausea', 'mild', false, '{}', 'possible', 'none', 'recovered', null, null, '${otherVisit}'`, '23514'],
			['onset before the visit it followed', `'2025-02-01', 'nausea', 'mild', false, '{}', 'possible', 'none', 'recovered', null, null, '${ownVisit}'`, '23514']
		];
		for (const [what, cols, code] of cases) expect(await refusedWith(insert(cols)), what).toBe(code);
		const [row] = await db.select({ id: adverseEvents.id }).from(adverseEvents);
		expect(await refusedWith(db.execute(sql`update adverse_events set voided = true where id = ${row!.id}`)), 'void without a reason').toBe('23514');
		expect(await refusedWith(db.execute(sql`update adverse_events set acknowledged_at = now(), acknowledged_by = ${actor.id} where id = ${row!.id}`)), 'acknowledging one not serious').toBe('23514');
		expect(await refusedWith(db.execute(sql`update patients set enrolled_on = '2025-03-01' where id = ${p}`)), 'enrolment moved after an event').toBe('23514');
		const flareCases: [string, string][] = [
			['end before onset', `'2025-02-01', '2025-01-31', 'mild', '{}'`],
			['an unknown trigger', `'2025-02-01', null, 'mild', '{weather}'`],
			['an unknown severity', `'2025-02-01', null, 'huge', '{}'`],
			['onset before enrolment', `'2024-12-01', null, 'mild', '{}'`],
			['end in the future', `'2025-02-01', current_date + 5, 'mild', '{}'`]
		];
		for (const [what, cols] of flareCases) {
			expect(await refusedWith(db.execute(sql.raw(`insert into flare_episodes (patient_id, onset_on, ended_on, severity, triggers, treatment_changed) select '${p}', ${cols}, false`))), `flare: ${what}`).toBe('23514');
		}
		expect(await db.select().from(flareEpisodes)).toHaveLength(0);
	});

	it('edits with a reason and keeps the old values in the audit row; voids, never deletes', async () => {
		const p = await newPatient();
		const visitId = await newVisit(p, '2025-01-20', 2, 'yes');
		const id = await ok(recordAdverseEvent(db, actor, p, ae({ visitId })));
		expect(await updateAdverseEvent(db, actor, id, 1, ae({ visitId, severity: 'moderate' }), 'severity was moderate')).toEqual({ ok: true });
		expect(await updateAdverseEvent(db, actor, id, 2, { voided: true, voidReason: 'wrong patient' }, 'wrong patient')).toEqual({ ok: true });
		const [row] = await db.select().from(adverseEvents).where(eq(adverseEvents.id, id));
		expect(row).toMatchObject({ severity: 'moderate', voided: true, voidReason: 'wrong patient', version: 3, visitId });
		const audit = await db.select().from(auditLog).where(eq(auditLog.entityId, id)).orderBy(auditLog.id);
		expect(audit.map((a) => [a.action, a.reason])).toEqual([['create', null], ['update', 'severity was moderate'], ['void', 'wrong patient']]);
		expect(audit[1]!.before).toMatchObject({ severity: 'mild' });
		expect(audit[1]!.after).toMatchObject({ severity: 'moderate' });
		expect(await updateAdverseEvent(db, actor, id, 3, ae(), 'again')).toMatchObject({ ok: false, field: 'form' });
	});

	it('two concurrent edits of one event: one is saved, the other is told of the conflict', async () => {
		const p = await newPatient();
		const id = await ok(recordAdverseEvent(db, actor, p, ae()));
		const results = await Promise.all([
			updateAdverseEvent(db, actor, id, 1, ae({ severity: 'moderate' }), 'first'),
			updateAdverseEvent(db, actor, id, 1, ae({ severity: 'severe' }), 'second')
		]);
		expect(results.filter((r) => r.ok)).toHaveLength(1);
		expect(results.filter((r) => !r.ok)).toEqual([expect.objectContaining({ field: 'conflict', current: expect.objectContaining({ version: 2 }) })]);
		const [row] = await db.select().from(adverseEvents).where(eq(adverseEvents.id, id));
		expect(row!.version).toBe(2);
		expect(row!.severity).toBe(results[0]!.ok ? 'moderate' : 'severe');
		const flareId = await ok(recordFlare(db, actor, p, flare()));
		const flares = await Promise.all([updateFlare(db, actor, flareId, 1, flare({ severity: 'mild' }), 'a'), updateFlare(db, actor, flareId, 1, flare({ severity: 'severe' }), 'b')]);
		expect(flares.map((r) => r.ok).sort()).toEqual([false, true]);
	});

	it('a serious event is listed for clinicians and admins until an admin acknowledges it, audited', async () => {
		const p = await newPatient();
		await ok(recordAdverseEvent(db, actor, p, ae()));
		expect((await unacknowledgedSerious(db)).total).toBe(0);
		const id = await ok(recordAdverseEvent(db, actor, p, ae({ categoryCode: 'pneumothorax', severity: 'severe', serious: true, seriousCriteria: ['hospitalisation'], outcome: 'recovering', resolvedOn: null })));
		expect(await unacknowledgedSerious(db)).toMatchObject({ total: 1, events: [{ id, patientId: p, category: 'Pneumothorax (air around a lung)' }] });
		const admin = await makeUser(db, 'admin');
		expect(await acknowledgeAdverseEvent(db, admin, id)).toEqual({ ok: true });
		expect(await acknowledgeAdverseEvent(db, admin, id)).toMatchObject({ ok: false });
		expect((await unacknowledgedSerious(db)).total).toBe(0);
		const [row] = await db.select().from(adverseEvents).where(eq(adverseEvents.id, id));
		expect(row!.acknowledgedBy).toBe(admin.id);
		expect(row!.acknowledgedAt).toBeInstanceOf(Date);
		const [audit] = await db.select().from(auditLog).where(and(eq(auditLog.entityId, id), eq(auditLog.action, 'acknowledge')));
		expect(audit).toMatchObject({ actorId: admin.id, entity: 'adverse_event' });
	});
});

describe(`visits: the adverse event question and the old flare answer (${driverName})`, () => {
	it('stores the answer, "not asked" when left out, and an edit that leaves the flare out keeps it', async () => {
		const p = await newPatient();
		const asked = await newVisit(p, '2025-01-10', 1, 'none');
		const r = await recordVisit(db, actor, p, { visitDate: '2025-01-17', kind: 'treatment', acupunctureSessions: 1, flare: 'yes', note: null }, []);
		const unasked = await ok(Promise.resolve(r));
		const rows = Object.fromEntries((await db.select().from(visits)).map((x) => [x.id, x]));
		expect(rows[asked]).toMatchObject({ aeAnswer: 'none', flare: 'unknown' });
		expect(rows[unasked]).toMatchObject({ aeAnswer: 'not_asked', flare: 'yes' });
		expect(await updateVisit(db, actor, unasked, 1, { visitDate: '2025-01-17', kind: 'treatment', acupunctureSessions: 2, note: null, aeAnswer: 'yes', flare: undefined }, 'asked after all')).toEqual({ ok: true });
		const [after] = await db.select().from(visits).where(eq(visits.id, unasked));
		expect(after).toMatchObject({ aeAnswer: 'yes', flare: 'yes', acupunctureSessions: 2 });
		expect(await refusedWith(db.execute(sql`update visits set ae_answer = 'maybe' where id = ${asked}`))).toBe('23514');
	});
});

describe(`safety figures of a hand-built cohort (${driverName})`, async () => {
	const { safetyFigures } = await import('../../src/lib/server/safety');

	/**
	 * Rheumatoid arthritis, 3 patients with visits (a 4th without one does not count):
	 *  A: visits 2024-01-10 (0 sessions, not asked), 2024-02-07 (4, yes), 2024-06-05 (6, none);
	 *     events: bruising 01-20, serious dizziness 02-01 (after the visit of 01-10); flares 01-15 (day 5: early),
	 *     05-01 (day 112: later), 03-01 voided, 01-05 (before baseline: not counted).
	 *  B: visits 2024-01-03 (0, none), 2024-03-27 (5, none); flare 03-27 (day 84: later).
	 *  C: visit 2024-02-01 (0, not asked); nausea 02-02, and a voided event.
	 * Lupus, 2 patients: withheld at k = 3.
	 */
	async function cohort() {
		const a = await newPatient('rheumatoid_arthritis', '2024-01-01');
		const b = await newPatient('rheumatoid_arthritis', '2024-01-01');
		const c = await newPatient('rheumatoid_arthritis', '2024-01-01');
		const d = await newPatient('rheumatoid_arthritis', '2024-01-01');
		const a1 = await newVisit(a, '2024-01-10', 0);
		await newVisit(a, '2024-02-07', 4, 'yes');
		await newVisit(a, '2024-06-05', 6, 'none');
		await newVisit(b, '2024-01-03', 0, 'none');
		await newVisit(b, '2024-03-27', 5, 'none');
		await newVisit(c, '2024-02-01', 0);
		await ok(recordAdverseEvent(db, actor, a, ae({ onsetOn: '2024-01-20', resolvedOn: null })));
		await ok(recordAdverseEvent(db, actor, a, ae({ onsetOn: '2024-02-01', visitId: a1, categoryCode: 'dizziness_fainting', serious: true, seriousCriteria: ['hospitalisation'], resolvedOn: null })));
		await ok(recordAdverseEvent(db, actor, c, ae({ onsetOn: '2024-02-02', categoryCode: 'nausea', resolvedOn: null })));
		const voided = await ok(recordAdverseEvent(db, actor, c, ae({ onsetOn: '2024-02-03', resolvedOn: null })));
		expect((await updateAdverseEvent(db, actor, voided, 1, { voided: true, voidReason: 'duplicate' }, 'duplicate')).ok).toBe(true);
		await ok(recordAdverseEvent(db, actor, d, ae({ onsetOn: '2024-02-03', resolvedOn: null })));
		await ok(recordFlare(db, actor, a, flare({ onsetOn: '2024-01-15' })));
		await ok(recordFlare(db, actor, a, flare({ onsetOn: '2024-05-01' })));
		await ok(recordFlare(db, actor, a, flare({ onsetOn: '2024-01-05' })));
		const gone = await ok(recordFlare(db, actor, a, flare({ onsetOn: '2024-03-01' })));
		expect((await updateFlare(db, actor, gone, 1, { voided: true, voidReason: 'not a flare' }, 'not a flare')).ok).toBe(true);
		await ok(recordFlare(db, actor, b, flare({ onsetOn: '2024-03-27' })));
		const q1 = await newPatient('sle', '2024-01-01');
		const q2 = await newPatient('sle', '2024-01-01');
		await newVisit(q1, '2024-01-05', 2, 'none');
		await newVisit(q2, '2024-01-06', 1, 'yes');
		await ok(recordAdverseEvent(db, actor, q2, ae({ onsetOn: '2024-01-07', resolvedOn: null })));
	}

	it('computes rates, intervals and the asked rate as worked out by hand; withholds small groups and the total that would reveal them', async () => {
		await cohort();
		const f = await safetyFigures(db, { conditions: [] }, 3);
		expect(f.k).toBe(3);
		expect(f.groups).toHaveLength(2);
		const ra = f.groups.find((g) => g.condition === 'rheumatoid_arthritis')!;
		// 15 sessions (0+4+6, 0+5, 0); 3 live events (A: 2, C: 1); 2 of 3 patients; 4 of 6 visits asked.
		expect(ra).toMatchObject({ sessions: 15, events: 3, patients: 3, patients_with_event: 2, serious_events: 1 });
		if ('suppressed' in ra) throw new Error('withheld');
		expect(ra.per_100_sessions).toBeCloseTo(20, 10);
		// scipy.stats.gamma.ppf(0.025, 3), gamma.ppf(0.975, 4), × 100 / 15
		expect(ra.ci_low).toBeCloseTo((0.6186721228956014 * 100) / 15, 10);
		expect(ra.ci_high).toBeCloseTo((8.767273069742323 * 100) / 15, 10);
		expect(ra.share).toBeCloseTo(2 / 3, 10);
		// scipy.stats.binomtest(2, 3).proportion_ci(0.95, method='wilson')
		expect(ra.share_ci_low).toBeCloseTo(0.20765960080204782, 10);
		expect(ra.share_ci_high).toBeCloseTo(0.9385080552796038, 10);
		expect(ra.asked_rate).toBeCloseTo(4 / 6, 10);
		expect(f.groups.find((g) => g.condition === 'sle')).toEqual({ condition: 'sle', suppressed: true });
		// The total minus rheumatoid arthritis would give lupus's 2 patients away.
		expect(f.overall).toEqual({ condition: null, suppressed: true });
		// Flares: early days 84 (A) + 84 (B) + 0 (C) = 168, later 63 (A: 147 − 84) + 0; early 1 (A), later 2 (A, B).
		const flares = f.flares.find((x) => x.condition === 'rheumatoid_arthritis')!;
		if ('suppressed' in flares) throw new Error('withheld');
		expect(flares.early_per_patient_year).toBeCloseTo(1 / (168 / 365.25), 10);
		expect(flares.early_ci_high).toBeCloseTo(5.571643390938898 / (168 / 365.25), 10); // scipy.stats.gamma.ppf(0.975, 2)
		expect(flares.later_per_patient_year).toBeCloseTo(2 / (63 / 365.25), 10);
		expect(flares.later_ci_low).toBeCloseTo(0.24220927854396496 / (63 / 365.25), 10); // scipy.stats.gamma.ppf(0.025, 2)
		expect(f.flares.find((x) => x.condition === 'sle')).toEqual({ condition: 'sle', suppressed: true });
		expect(f.stress_flare).toEqual({ suppressed: true });
	});

	it('shows the total when no group is withheld: the sums of both', async () => {
		await cohort();
		const only = await safetyFigures(db, { conditions: ['rheumatoid_arthritis'] }, 3);
		expect(only.groups).toHaveLength(1);
		expect(only.overall).toMatchObject({ condition: null, sessions: 15, events: 3, patients: 3 });
		const both = await safetyFigures(db, { conditions: [] }, 2);
		// Lupus: 3 sessions, 1 event, 1 of 2 patients, 2 of 2 visits asked.
		expect(both.groups.find((g) => g.condition === 'sle')).toMatchObject({ sessions: 3, events: 1, patients: 2, patients_with_event: 1, asked_rate: 1 });
		expect(both.overall).toMatchObject({ sessions: 18, events: 4, patients: 5, patients_with_event: 3, serious_events: 1 });
		if ('suppressed' in both.overall) throw new Error('withheld');
		expect(both.overall.asked_rate).toBeCloseTo(6 / 8, 10);
		// scipy.stats.binomtest(3, 5).proportion_ci(0.95, method='wilson')
		expect(both.overall.share_ci_low).toBeCloseTo(0.23072428127601297, 10);
		expect(both.overall.share_ci_high).toBeCloseTo(0.8823792257673521, 10);
	});
});
