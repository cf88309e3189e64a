/**
 * The schedule form's rules, shared by the browser and the server; the database holds the same
 * (schema/schedules.ts and its migration's trigger). Rows with neither a week nor an instrument
 * are blank and ignored, so the form can offer spare rows.
 */
import { scheduleProblem, type Schedule } from '../schedule';
import type { FieldErrors } from './form';

export const MAX_POINTS = 30;

export interface ScheduleFormRow {
	week: string;
	instruments: string[];
}

export interface ScheduleFormValues {
	windowWeeks: string;
	repeatEveryWeeks: string;
	rows: ScheduleFormRow[];
}

/** The form's fields: windowWeeks, repeatEveryWeeks, rows, and per row i week_i and instruments_i (repeated). */
export function scheduleFormValues(data: FormData): ScheduleFormValues {
	const str = (name: string) => {
		const value = data.get(name);
		return typeof value === 'string' ? value.replaceAll('\0', '').trim() : '';
	};
	const count = Math.min(MAX_POINTS, Math.max(0, Number.parseInt(str('rows'), 10) || 0));
	const rows: ScheduleFormRow[] = [];
	for (let i = 0; i < count; i++) {
		rows.push({ week: str(`week_${i}`), instruments: data.getAll(`instruments_${i}`).filter((x): x is string => typeof x === 'string').slice(0, 40) });
	}
	return { windowWeeks: str('windowWeeks'), repeatEveryWeeks: str('repeatEveryWeeks'), rows };
}

function wholeNumber(s: string, min: number, max: number): number | null {
	if (!/^\d{1,4}$/.test(s)) return null;
	const n = Number(s);
	return n >= min && n <= max ? n : null;
}

export type ScheduleParse = { ok: true; schedule: Schedule } | { ok: false; errors: FieldErrors };

/** A schedule from the form, or a message per field (row errors under `week_i`). */
export function parseScheduleForm(values: ScheduleFormValues, knownInstruments: ReadonlySet<string>): ScheduleParse {
	const errors: FieldErrors = {};
	const windowWeeks = wholeNumber(values.windowWeeks, 0, 12);
	if (windowWeeks === null) errors.windowWeeks = 'Enter the window as whole weeks from 0 to 12.';
	let repeatEveryWeeks: number | null = null;
	if (values.repeatEveryWeeks !== '') {
		repeatEveryWeeks = wholeNumber(values.repeatEveryWeeks, 1, 104);
		if (repeatEveryWeeks === null) errors.repeatEveryWeeks = 'Enter whole weeks from 1 to 104, or leave it empty for no repetition.';
	}
	const points: Schedule['points'] = [];
	values.rows.forEach((row, i) => {
		if (row.week === '' && row.instruments.length === 0) return;
		const week = wholeNumber(row.week, 0, 520);
		if (week === null) errors[`week_${i}`] = 'Enter the week as a whole number from 0 (baseline) to 520.';
		else if (row.instruments.length === 0) errors[`week_${i}`] = `Choose at least one instrument for week ${week}.`;
		else if (row.instruments.some((id) => !knownInstruments.has(id))) errors[`week_${i}`] = 'Choose instruments from the list.';
		else if (points.some((p) => p.week === week)) errors[`week_${i}`] = `Week ${week} is listed twice.`;
		else points.push({ week, instruments: [...new Set(row.instruments)] });
	});
	if (Object.keys(errors).length > 0) return { ok: false, errors };
	points.sort((a, b) => a.week - b.week);
	const schedule: Schedule = { windowWeeks: windowWeeks!, repeatEveryWeeks, points };
	const problem = scheduleProblem(schedule);
	if (problem) return { ok: false, errors: { [problem.field]: problem.message } };
	return { ok: true, schedule };
}
