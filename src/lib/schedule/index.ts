/**
 * The follow-up schedule's rules, pure (no database, no SvelteKit), shared by the patient page's
 * completion matrix and the tests; the due list and the per-condition matrix run the same rules
 * in SQL ($lib/server/schedule), and an integration test holds both to the same answers.
 *
 * - Time point at week w: its target is baseline + 7w days (the baseline is the patient's
 *   enrolment date); its window is the target ± 7·window days, both ends included.
 * - "Every N": after the last listed point, its instruments come again every N weeks.
 * - Per instrument at a time point: done when a live visit in the window recorded it; otherwise
 *   missed once the window has closed, due while it is open, not yet before it opens.
 * - Windows never overlap (points more than two windows apart, checked by the form and the
 *   database), so a visit counts for one time point at most.
 */

export interface SchedulePoint {
	/** Weeks after baseline; 0 is the baseline. */
	week: number;
	instruments: string[];
}

export interface Schedule {
	windowWeeks: number;
	/** The last point's instruments again every this many weeks; null: no repetition. */
	repeatEveryWeeks: number | null;
	/** Sorted by week, no two the same. */
	points: SchedulePoint[];
}

export type CellStatus = 'done' | 'missed' | 'due' | 'not_yet';

/** Where an open or coming time point stands on the due list. */
export type DueState = 'soon' | 'due' | 'overdue';

export interface Recorded {
	/** The visit's date, YYYY-MM-DD. */
	date: string;
	instrumentId: string;
}

export interface TimePointStatus {
	week: number;
	repeat: boolean;
	target: string;
	opens: string;
	closes: string;
	cells: { instrumentId: string; status: CellStatus; doneOn: string | null }[];
}

/** How far ahead the due list looks: today and the coming week. */
export const DUE_HORIZON_DAYS = 7;
/** Repetition stops here (twenty years), so a schedule's time points are always finite. */
export const MAX_WEEK = 1040;

const DAY = 86_400_000;

export function addDays(date: string, days: number): string {
	return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);
}

export function daysBetween(from: string, to: string): number {
	return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY);
}

/** The time points of a schedule whose window opens on or before `until`, and the first one after. */
export function timePointsUntil(schedule: Schedule, baseline: string, until: string): { week: number; repeat: boolean; instruments: string[] }[] {
	const out: { week: number; repeat: boolean; instruments: string[] }[] = [];
	const opensBy = (week: number) => addDays(baseline, (week - schedule.windowWeeks) * 7) <= until;
	for (const p of schedule.points) out.push({ week: p.week, repeat: false, instruments: p.instruments });
	const last = schedule.points.at(-1);
	if (last && schedule.repeatEveryWeeks) {
		for (let week = last.week + schedule.repeatEveryWeeks; week <= MAX_WEEK; week += schedule.repeatEveryWeeks) {
			out.push({ week, repeat: true, instruments: last.instruments });
			if (!opensBy(week)) break;
		}
	}
	return out;
}

/** The window of a time point. */
export function windowOf(baseline: string, week: number, windowWeeks: number): { target: string; opens: string; closes: string } {
	return { target: addDays(baseline, week * 7), opens: addDays(baseline, (week - windowWeeks) * 7), closes: addDays(baseline, (week + windowWeeks) * 7) };
}

export function cellStatus(window: { opens: string; closes: string }, doneOn: string | null, today: string): CellStatus {
	if (doneOn) return 'done';
	if (today > window.closes) return 'missed';
	if (today >= window.opens) return 'due';
	return 'not_yet';
}

/** Every time point up to the first one still ahead, with each instrument's status on `today`. */
export function scheduleStatus(schedule: Schedule, baseline: string, recorded: readonly Recorded[], today: string): TimePointStatus[] {
	return timePointsUntil(schedule, baseline, today).map((p) => {
		const w = windowOf(baseline, p.week, schedule.windowWeeks);
		return {
			week: p.week,
			repeat: p.repeat,
			...w,
			cells: p.instruments.map((instrumentId) => {
				const hit = recorded.filter((r) => r.instrumentId === instrumentId && r.date >= w.opens && r.date <= w.closes).map((r) => r.date).sort()[0] ?? null;
				return { instrumentId, status: cellStatus(w, hit, today), doneOn: hit };
			})
		};
	});
}

/** A time point's place on the due list, or null when it is not on it (done, closed, or further off). */
export function dueState(point: { target: string; opens: string; closes: string }, allDone: boolean, today: string): DueState | null {
	if (allDone || today > point.closes || point.opens > addDays(today, DUE_HORIZON_DAYS)) return null;
	if (today < point.opens) return 'soon';
	return today > point.target ? 'overdue' : 'due';
}

/** The problem with a schedule, or null: the database refuses the same (migration rules). */
export function scheduleProblem(s: Schedule): { field: 'points' | 'repeatEveryWeeks'; message: string } | null {
	for (let i = 1; i < s.points.length; i++) {
		const gap = s.points[i]!.week - s.points[i - 1]!.week;
		if (gap <= 0) return { field: 'points', message: `Week ${s.points[i]!.week} is listed twice.` };
		if (gap <= 2 * s.windowWeeks) {
			return { field: 'points', message: `Weeks ${s.points[i - 1]!.week} and ${s.points[i]!.week} are ${gap} weeks apart: with a window of ± ${s.windowWeeks} weeks their windows would overlap. Narrow the window or space the weeks more.` };
		}
	}
	if (s.repeatEveryWeeks !== null && s.repeatEveryWeeks <= 2 * s.windowWeeks) {
		return { field: 'repeatEveryWeeks', message: `Repeats every ${s.repeatEveryWeeks} weeks would overlap with a window of ± ${s.windowWeeks} weeks: repeat more than ${2 * s.windowWeeks} weeks apart.` };
	}
	if (s.repeatEveryWeeks !== null && s.points.length === 0) return { field: 'repeatEveryWeeks', message: 'Add a time point to repeat.' };
	return null;
}
