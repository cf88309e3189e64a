/**
 * The flare rate by month in treatment, per condition: flare onsets per patient-year in each
 * month from the patient's baseline (first live visit), over the person-time each patient
 * contributes to that month up to their last live visit. Pure: the database hands over how many
 * patients have each length of follow-up and how many onsets fall in each month.
 *
 * A patient with T days of follow-up (last visit − baseline) contributes to month m the days of
 * [m·L, (m + 1)·L) ∩ [0, T], L = 30.4375 days (365.25 / 12, so a whole month is 1/12 of a
 * patient-year exactly). A flare that began d days after baseline (0 ≤ d ≤ T) counts in month
 * ⌊d / L⌋ — but in the patient's last month with time when d = T falls exactly on a month's start
 * (T a multiple of 487 days), so an onset is always counted where its patient has time. A patient
 * whose only visits are on one day has no time, and their onsets are not in the trend (they still
 * count in the early/later rates, which add days, not months).
 *
 * Small cells: a condition with fewer than k patients is withheld whole, as its other flare
 * figures are. The patients contributing fall month by month (a patient has time in months
 * 0 … ⌈T / L⌉ − 1, with no gap), so once a month has fewer than k, every later month has too:
 * the months are listed up to the last with at least k, then one `{ month, suppressed: true }`
 * marks that this month and all later ones are withheld — which also keeps the longest follow-up
 * (how many months the last few patients reached) out of the figures.
 */
import { DAYS_PER_YEAR, rateWithCi } from './rates';

export const MONTH_DAYS = DAYS_PER_YEAR / 12;

/** How many patients of a condition have `days` of follow-up. */
export interface FollowUpCount {
	condition: string;
	days: number;
	patients: number;
}
/** Flare onsets of a condition counted in `month` (by `onsetMonth`). */
export interface MonthOnsets {
	condition: string;
	month: number;
	onsets: number;
}

export interface TrendMonth {
	month: number;
	patients: number;
	onsets: number;
	per_patient_year: number;
	ci_low: number;
	ci_high: number;
}
export type TrendCell = TrendMonth | { month: number; suppressed: true };
export type FlareTrend = { condition: string; months: TrendCell[] } | { condition: string; suppressed: true };

/** Months in which a patient with `days` of follow-up has time. */
export const monthsWithTime = (days: number) => (days > 0 ? Math.ceil(days / MONTH_DAYS) : 0);

/** Days of month `month` within [0, days]. */
export const daysInMonth = (month: number, days: number) => Math.max(0, Math.min(days, (month + 1) * MONTH_DAYS) - month * MONTH_DAYS);

/** The month an onset `day` days after baseline counts in, for a patient with `days` of follow-up; null when outside their time. */
export function onsetMonth(day: number, days: number): number | null {
	if (day < 0 || day > days || days <= 0) return null;
	return Math.min(Math.floor(day / MONTH_DAYS), monthsWithTime(days) - 1);
}

export function buildFlareTrend(followUps: FollowUpCount[], onsets: MonthOnsets[], k: number): FlareTrend[] {
	const conditions = [...new Set(followUps.map((f) => f.condition))].sort();
	return conditions.map((condition) => {
		const mine = followUps.filter((f) => f.condition === condition);
		if (mine.reduce((a, f) => a + f.patients, 0) < k) return { condition, suppressed: true as const };
		const onsetsIn = new Map(onsets.filter((o) => o.condition === condition).map((o) => [o.month, o.onsets]));
		const last = Math.max(0, ...mine.map((f) => monthsWithTime(f.days)));
		const months: TrendCell[] = [];
		for (let month = 0; month < last; month++) {
			const withTime = mine.filter((f) => monthsWithTime(f.days) > month);
			const patients = withTime.reduce((a, f) => a + f.patients, 0);
			if (patients < k) {
				months.push({ month, suppressed: true });
				break;
			}
			const days = withTime.reduce((a, f) => a + f.patients * daysInMonth(month, f.days), 0);
			const count = onsetsIn.get(month) ?? 0;
			const rate = rateWithCi(count, days / DAYS_PER_YEAR)!;
			months.push({ month, patients, onsets: count, per_patient_year: rate.rate, ci_low: rate.low, ci_high: rate.high });
		}
		return { condition, months };
	});
}
