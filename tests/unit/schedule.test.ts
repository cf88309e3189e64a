import { describe, expect, it } from 'vitest';
import { addDays, dueState, scheduleProblem, scheduleStatus, timePointsUntil, windowOf, type Schedule } from '../../src/lib/schedule';
import { parseScheduleForm } from '../../src/lib/validation/schedule';

// Baseline at week 0, then 4, 8, 12, then every 12 weeks; ± 1 week.
const schedule: Schedule = {
	windowWeeks: 1,
	repeatEveryWeeks: 12,
	points: [
		{ week: 0, instruments: ['fss9', 'who5'] },
		{ week: 4, instruments: ['fss9'] },
		{ week: 8, instruments: ['fss9'] },
		{ week: 12, instruments: ['fss9', 'who5'] }
	]
};
const baseline = '2026-01-05'; // a Monday

describe('time points', () => {
	it('lists the explicit points, the repeats whose window has opened, and the next one', () => {
		// Week 24's window opens at week 23 = 2026-06-15; week 36's at 2026-09-07.
		const weeks = timePointsUntil(schedule, baseline, '2026-06-15').map((p) => [p.week, p.repeat]);
		expect(weeks).toEqual([[0, false], [4, false], [8, false], [12, false], [24, true], [36, true]]);
		expect(timePointsUntil(schedule, baseline, '2026-06-14').map((p) => p.week)).toEqual([0, 4, 8, 12, 24]);
		expect(timePointsUntil(schedule, baseline, '2026-06-15').at(-1)!.instruments).toEqual(['fss9', 'who5']);
	});
	it('has no repeats without an interval', () => {
		expect(timePointsUntil({ ...schedule, repeatEveryWeeks: null }, baseline, '2030-01-01').map((p) => p.week)).toEqual([0, 4, 8, 12]);
	});
	it('puts the window ± whole weeks around the target, both ends included', () => {
		expect(windowOf(baseline, 4, 1)).toEqual({ target: '2026-02-02', opens: '2026-01-26', closes: '2026-02-09' });
		expect(windowOf(baseline, 0, 0)).toEqual({ target: baseline, opens: baseline, closes: baseline });
	});
});

describe('status per instrument on a hand-built calendar', () => {
	// Baseline visit with both; week 4 visit a day before its window opens (counts for nothing);
	// week 8 visit on the window's last day; nothing since.
	const recorded = [
		{ date: '2026-01-05', instrumentId: 'fss9' },
		{ date: '2026-01-05', instrumentId: 'who5' },
		{ date: '2026-01-25', instrumentId: 'fss9' },
		{ date: '2026-03-09', instrumentId: 'fss9' }
	];
	const status = (today: string) => Object.fromEntries(scheduleStatus(schedule, baseline, recorded, today).map((p) => [p.week, p.cells.map((c) => `${c.instrumentId}:${c.status}`).join(' ')]));

	it('marks done, missed, due and not yet', () => {
		// Week 12: target 2026-03-30, window 2026-03-23 … 2026-04-06.
		expect(status('2026-03-25')).toEqual({
			0: 'fss9:done who5:done',
			4: 'fss9:missed',
			8: 'fss9:done',
			12: 'fss9:due who5:due',
			24: 'fss9:not_yet who5:not_yet'
		});
	});
	it('turns due into missed the day after the window closes, and not yet into due the day it opens', () => {
		expect(status('2026-04-06')[12]).toBe('fss9:due who5:due');
		expect(status('2026-04-07')[12]).toBe('fss9:missed who5:missed');
		expect(status('2026-03-22')[12]).toBe('fss9:not_yet who5:not_yet');
	});
	it('reports the first visit in the window that recorded the instrument', () => {
		const cells = scheduleStatus(schedule, baseline, [...recorded, { date: '2026-03-04', instrumentId: 'fss9' }], '2026-03-25').find((p) => p.week === 8)!.cells;
		expect(cells[0]).toEqual({ instrumentId: 'fss9', status: 'done', doneOn: '2026-03-04' });
	});
});

describe('due list state', () => {
	const w = windowOf(baseline, 12, 1); // target 2026-03-30, 2026-03-23 … 2026-04-06
	it('is soon within a week before the window opens, due up to the target, overdue after', () => {
		expect(dueState(w, false, '2026-03-15')).toBeNull();
		expect(dueState(w, false, '2026-03-16')).toBe('soon');
		expect(dueState(w, false, '2026-03-23')).toBe('due');
		expect(dueState(w, false, '2026-03-30')).toBe('due');
		expect(dueState(w, false, '2026-03-31')).toBe('overdue');
		expect(dueState(w, false, '2026-04-07')).toBeNull();
		expect(dueState(w, true, '2026-03-31')).toBeNull();
	});
	it('adds days across month ends', () => {
		expect(addDays('2026-02-27', 2)).toBe('2026-03-01');
	});
});

describe('schedule rules', () => {
	it('refuses overlapping windows and repeats', () => {
		expect(scheduleProblem({ ...schedule, windowWeeks: 2 })?.field).toBe('points');
		expect(scheduleProblem({ windowWeeks: 2, repeatEveryWeeks: 4, points: [{ week: 0, instruments: ['fss9'] }] })?.field).toBe('repeatEveryWeeks');
		expect(scheduleProblem(schedule)).toBeNull();
	});
	it('reads the form: blank rows ignored, errors at the row, weeks sorted', () => {
		const known = new Set(['fss9', 'who5']);
		const ok = parseScheduleForm(
			{ windowWeeks: '1', repeatEveryWeeks: '', rows: [{ week: '4', instruments: ['fss9'] }, { week: '', instruments: [] }, { week: '0', instruments: ['who5', 'who5'] }] },
			known
		);
		expect(ok).toEqual({ ok: true, schedule: { windowWeeks: 1, repeatEveryWeeks: null, points: [{ week: 0, instruments: ['who5'] }, { week: 4, instruments: ['fss9'] }] } });
		const bad = parseScheduleForm({ windowWeeks: '13', repeatEveryWeeks: 'x', rows: [{ week: '4', instruments: [] }, { week: '', instruments: ['fss9'] }, { week: '8', instruments: ['nope'] }] }, known);
		expect(bad.ok ? null : Object.keys(bad.errors).sort()).toEqual(['repeatEveryWeeks', 'week_0', 'week_1', 'week_2', 'windowWeeks']);
	});
});
