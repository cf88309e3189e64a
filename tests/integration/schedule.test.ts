/**
 * Follow-up schedules against a real database (both drivers): versions kept and audited, the
 * database's own refusals with the app bypassed, and the due list and completion matrix (SQL) on
 * a hand-built calendar, checked by hand and against the pure rules of $lib/schedule.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../../src/lib/server/db';
import { auditLog, followUpSchedulePoints, followUpSchedules } from '../../src/lib/server/db/schema';
import { pgErrorCode } from '../../src/lib/server/errors';
import { createPatient, setPatientArchived } from '../../src/lib/server/patients';
import { recordVisit, voidVisit } from '../../src/lib/server/visits';
import { conditionCompletion, currentSchedule, dueList, saveSchedule, scheduleVersions } from '../../src/lib/server/schedule';
import { dueState, scheduleStatus, type Recorded, type Schedule } from '../../src/lib/schedule';
import { driverName, resetDatabase, testDatabase } from './db';
import { makeUser } from './helpers';

let db: Db;
let actor: { id: string };
let refs = 0;

// Baseline: FSS-9 and pain; weeks 4 and 8: pain; then pain every 12 weeks (20, 32, …); ± 1 week.
const RA: Schedule = {
	windowWeeks: 1,
	repeatEveryWeeks: 12,
	points: [
		{ week: 0, instruments: ['fss9', 'pain_nrs'] },
		{ week: 4, instruments: ['pain_nrs'] },
		{ week: 8, instruments: ['pain_nrs'] }
	]
};
const TODAY = '2026-03-25';
const fss = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [String(i + 1), 4]));

async function patient(enrolledOn: string, conditionCode = 'rheumatoid_arthritis') {
	const r = await createPatient(db, actor, { clinicRef: `SC-${++refs}`, name: `Schedule ${refs}`, dateOfBirth: '1970-01-01', sex: 'female', conditionCode, enrolledOn });
	if (!r.ok) throw new Error(r.message);
	return r.value;
}

const recorded = new Map<string, Recorded[]>();
async function visit(patientId: string, visitDate: string, instruments: string[]) {
	const inputs = instruments.map((id) => ({ instrumentId: id, answers: id === 'fss9' ? fss : { pain: 5 } }));
	const r = await recordVisit(db, actor, patientId, { visitDate, kind: 'treatment', acupunctureSessions: 1, aeAnswer: 'not_asked', note: null }, inputs);
	if (!r.ok) throw new Error(r.message);
	recorded.set(patientId, [...(recorded.get(patientId) ?? []), ...instruments.map((instrumentId) => ({ date: visitDate, instrumentId }))]);
	return r.value;
}

beforeAll(async () => {
	db = (await testDatabase()).db;
});
beforeEach(async () => {
	await resetDatabase(db);
	recorded.clear();
	actor = { id: (await makeUser(db, 'admin')).id };
});
afterAll(async () => {
	if (driverName === 'pglite') return;
});

describe(`schedules are versioned and audited (${driverName})`, () => {
	it('saves new versions, keeps the old ones, audits each, and refuses a stale edit', async () => {
		expect(await saveSchedule(db, actor, 'rheumatoid_arthritis', 0, RA)).toEqual({ ok: true, value: 1 });
		const second = { ...RA, repeatEveryWeeks: null };
		expect(await saveSchedule(db, actor, 'rheumatoid_arthritis', 1, second)).toEqual({ ok: true, value: 2 });
		const stale = await saveSchedule(db, actor, 'rheumatoid_arthritis', 1, RA);
		expect(stale.ok ? null : stale.field).toBe('form');
		const versions = await scheduleVersions(db, 'rheumatoid_arthritis');
		expect(versions.map((v) => [v.version, v.repeatEveryWeeks, v.points.length])).toEqual([[2, null, 3], [1, 12, 3]]);
		expect((await currentSchedule(db, 'rheumatoid_arthritis'))?.version).toBe(2);
		const audits = await db.select().from(auditLog).where(and(eq(auditLog.entity, 'follow_up_schedule'), eq(auditLog.entityId, 'rheumatoid_arthritis'))).orderBy(auditLog.id);
		expect(audits.map((a) => a.action)).toEqual(['create', 'update']);
		expect(audits[1]!.before).toMatchObject({ version: 1, repeatEveryWeeks: 12 });
		expect(audits[1]!.after).toMatchObject({ version: 2, repeatEveryWeeks: null });
		// An empty version removes the schedule, as a version of its own.
		expect(await saveSchedule(db, actor, 'rheumatoid_arthritis', 2, { windowWeeks: 1, repeatEveryWeeks: null, points: [] })).toEqual({ ok: true, value: 3 });
		expect(await currentSchedule(db, 'rheumatoid_arthritis')).toBeNull();
	});

	it('refuses, in the database itself, changes to a version, overlapping windows and unknown instruments', async () => {
		await saveSchedule(db, actor, 'rheumatoid_arthritis', 0, RA);
		const code = async (p: Promise<unknown>) => p.then(() => 'stored', (err) => pgErrorCode(err));
		expect(await code(db.update(followUpSchedules).set({ windowWeeks: 2 }))).toBe('42501');
		expect(await code(db.delete(followUpSchedulePoints))).toBe('42501');
		const [row] = await db.insert(followUpSchedules).values({ conditionCode: 'multiple_sclerosis', version: 1, windowWeeks: 2 }).returning({ id: followUpSchedules.id });
		expect(
			await code(db.insert(followUpSchedulePoints).values([{ scheduleId: row!.id, conditionCode: 'multiple_sclerosis', week: 0, instruments: ['fss9'] }, { scheduleId: row!.id, conditionCode: 'multiple_sclerosis', week: 4, instruments: ['fss9'] }]))
		).toBe('23514');
		expect(await code(db.insert(followUpSchedulePoints).values({ scheduleId: row!.id, conditionCode: 'multiple_sclerosis', week: 0, instruments: ['no_such_scale'] }))).toBe('23514');
		expect(await code(db.insert(followUpSchedules).values({ conditionCode: 'lupus_x', version: 1, windowWeeks: 1 }))).toBe('23503');
		expect(await code(db.insert(followUpSchedules).values({ conditionCode: 'multiple_sclerosis', version: 2, windowWeeks: 2, repeatEveryWeeks: 4 }))).toBe('23514');
	});
});

describe(`who is due, on a hand-built calendar (${driverName})`, () => {
	it('lists the open and coming time points with what is missing, as the pure rules do', async () => {
		await saveSchedule(db, actor, 'rheumatoid_arthritis', 0, RA);
		// A: enrolled two days ago, nothing recorded: baseline overdue (target 03-23), both instruments.
		const a = await patient('2026-03-23');
		// B: week 4 (target today) already done on 03-20; baseline had FSS-9 only (pain missed, closed).
		const b = await patient('2026-02-25');
		await visit(b, '2026-02-25', ['fss9']);
		await visit(b, '2026-03-20', ['pain_nrs']);
		// C: week 8 (target today): its only pain score is on a voided visit, so still due.
		const c = await patient('2026-01-28');
		const voided = await visit(c, '2026-03-20', ['pain_nrs']);
		expect((await voidVisit(db, actor, voided, 1, 'entered for the wrong patient')).ok).toBe(true);
		recorded.set(c, []);
		// D: first repeat (week 20) target 04-01, window opens today. E: opens in 7 days (soon). F: in 8 days (not listed).
		const d = await patient('2025-11-12');
		const e = await patient('2025-11-19');
		await patient('2025-11-26');
		// G: archived; H: a condition without a schedule.
		const g = await patient('2026-03-23');
		expect((await setPatientArchived(db, actor, g, 1, true, 'moved away')).ok).toBe(true);
		await patient('2026-03-23', 'multiple_sclerosis');

		const list = await dueList(db, TODAY);
		const got = list.rows.map((r) => [r.patientId, r.week, r.state, r.instruments.join(',')]);
		expect(got).toEqual([
			[a, 0, 'overdue', 'fss9,pain_nrs'],
			[c, 8, 'due', 'pain_nrs'],
			[d, 20, 'due', 'pain_nrs'],
			[e, 20, 'soon', 'pain_nrs']
		]);
		expect(list.total).toBe(4);
		expect(list.rows[0]).toMatchObject({ target: '2026-03-23', opens: '2026-03-16', closes: '2026-03-30', repeat: false, clinicRef: expect.stringMatching(/^SC-/) });
		// Paging: the total stays, the rows move on.
		const page2 = await dueList(db, TODAY, { limit: 2, offset: 2 });
		expect([page2.total, page2.rows.map((r) => r.patientId)]).toEqual([4, [d, e]]);

		// The same from the pure rules, patient by patient.
		const pure = [a, b, c, d, e].flatMap((id, i) => {
			const enrolled = ['2026-03-23', '2026-02-25', '2026-01-28', '2025-11-12', '2025-11-19'][i]!;
			return scheduleStatus(RA, enrolled, recorded.get(id) ?? [], TODAY).flatMap((p) => {
				const missing = p.cells.filter((x) => x.status !== 'done').map((x) => x.instrumentId);
				const state = dueState(p, missing.length === 0, TODAY);
				return state ? [[id, p.week, state, missing.join(',')]] : [];
			});
		});
		expect(new Set(pure.map((x) => JSON.stringify(x)))).toEqual(new Set(got.map((x) => JSON.stringify(x))));

		// Recording the missing instruments today takes A off the list.
		await visit(a, TODAY, ['fss9', 'pain_nrs']);
		expect((await dueList(db, TODAY)).rows.map((r) => r.patientId)).not.toContain(a);
	});

	it('counts each time point’s completion per condition, hiding cells under k', async () => {
		await saveSchedule(db, actor, 'rheumatoid_arthritis', 0, RA);
		// Three patients enrolled 2025-12-31 (weeks 0, 4, 8 closed by today; week 20 not yet open).
		const ps = [await patient('2025-12-31'), await patient('2025-12-31'), await patient('2025-12-31')];
		await visit(ps[0]!, '2025-12-31', ['fss9', 'pain_nrs']);
		await visit(ps[1]!, '2026-01-02', ['pain_nrs']);
		await visit(ps[0]!, '2026-01-28', ['pain_nrs']);
		await visit(ps[2]!, '2026-02-25', ['pain_nrs']);
		// One enrolled last week: baseline done early (window still open) counts; the window open without it does not.
		const late = await patient('2026-03-20');
		await visit(late, '2026-03-20', ['pain_nrs']);
		const m = await conditionCompletion(db, 'rheumatoid_arthritis', TODAY, 0);
		const cells = m!.points.map((p) => [p.week, p.cells.map((c) => `${c.instrumentId}:${c.done}/${c.eligible}`).join(' ')]);
		expect(cells).toEqual([
			[0, 'fss9:1/3 pain_nrs:3/4'],
			[4, 'pain_nrs:1/3'],
			[8, 'pain_nrs:1/3']
		]);
		// The pure rules agree: eligible = done or missed, per patient.
		const enrolled = new Map([...ps.map((p) => [p, '2025-12-31'] as const), [late, '2026-03-20'] as const]);
		for (const point of m!.points) {
			for (const cell of point.cells) {
				let done = 0;
				let eligible = 0;
				for (const [id, on] of enrolled) {
					const s = scheduleStatus(RA, on, recorded.get(id) ?? [], TODAY).find((p) => p.week === point.week)?.cells.find((c) => c.instrumentId === cell.instrumentId)?.status;
					if (s === 'done') done++;
					if (s === 'done' || s === 'missed') eligible++;
				}
				expect([cell.done, cell.eligible]).toEqual([done, eligible]);
			}
		}
		// Researchers' k = 4: only the baseline pain cell (4 patients) shows.
		const hidden = await conditionCompletion(db, 'rheumatoid_arthritis', TODAY, 4);
		expect(hidden!.points.flatMap((p) => p.cells.map((c) => c.eligible))).toEqual([null, 4, null, null]);
		expect(await conditionCompletion(db, 'multiple_sclerosis', TODAY, 0)).toBeNull();
		void sql;
	});
});
