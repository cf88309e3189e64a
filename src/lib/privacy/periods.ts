/**
 * Privacy across queries (docs/security.md, "Privacy across queries"): for everyone below admin,
 * two allowed cohort queries or exports must never differ by fewer than k patients in any group
 * they show. Two rules make that hold by construction, whatever queries are asked:
 *
 * 1. Enrolment filters are whole calendar quarters: `from` is a quarter's first day, `to` a
 *    quarter's last day. Two queries then differ by whole quarters of patients, never by a day's.
 * 2. A group (a chart's point, a responder row, an export's quasi-identifier cell) is shown with an
 *    enrolment filter only when each edge of the period either has none of the group's patients
 *    on one side (it cuts nothing) or has, as the nearest quarter on each side that holds any of
 *    them, a quarter holding at least k (`edgesHold`). The edges that pass cut the group's patients
 *    into runs of whole quarters ("atoms") of 0 or at least k patients; every query that shows the
 *    group shows a union of its atoms; so any two differ by a union of atoms, which is 0 or at
 *    least k patients, and so does any sum and difference of them. (A quarter of 1..k−1 patients
 *    next to an edge would otherwise be the difference itself.)
 *
 * Pure: no database here. The server counts patients per quarter in SQL and applies `edgesHold`.
 */

/** A quarter as one integer: year × 4 + (0..3). Timezone-free and ordered. */
export function quarterIndex(date: string): number {
	const year = Number(date.slice(0, 4));
	const month = Number(date.slice(5, 7));
	return year * 4 + Math.floor((month - 1) / 3);
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');
const LAST_DAY = ['03-31', '06-30', '09-30', '12-31'] as const;
const NAMES = ['Jan–Mar', 'Apr–Jun', 'Jul–Sep', 'Oct–Dec'] as const;

export function quarterStart(index: number): string {
	return `${pad(Math.floor(index / 4), 4)}-${pad((index % 4) * 3 + 1)}-01`;
}

export function quarterEnd(index: number): string {
	return `${pad(Math.floor(index / 4), 4)}-${LAST_DAY[index % 4]}`;
}

export function quarterLabel(index: number): string {
	return `${Math.floor(index / 4)} Q${(index % 4) + 1} (${NAMES[index % 4]})`;
}

export const isQuarterStart = (date: string) => quarterStart(quarterIndex(date)) === date;
export const isQuarterEnd = (date: string) => quarterEnd(quarterIndex(date)) === date;

export interface EnrolmentPeriod {
	/** First enrolment day included (YYYY-MM-DD), or none. */
	from?: string;
	/** Last enrolment day included, or none. */
	to?: string;
}

const WHY = 'Day-precise periods are for administrators only: two results a day apart can be subtracted to single out one patient.';
export const PERIOD_MESSAGES = {
	from: `Choose a whole quarter: a period starts on 1 January, 1 April, 1 July or 1 October. ${WHY}`,
	to: `Choose a whole quarter: a period ends on 31 March, 30 June, 30 September or 31 December. ${WHY}`
} as const;

/** Who may filter by any day (rule 1 does not apply): administrators only. */
export function mayFilterByDay(role: string): boolean {
	return role === 'admin';
}

/** One line for an API's 400, naming each field: "to: Choose a whole quarter…". */
export function periodMessage(errors: { from?: string; to?: string }): string {
	return Object.entries(errors)
		.map(([field, message]) => `${field}: ${message}`)
		.join(' ');
}

/** The period's fields that break rule 1, with their messages (empty when it is whole quarters). */
export function periodErrors(p: EnrolmentPeriod): { from?: string; to?: string } {
	const errors: { from?: string; to?: string } = {};
	if (p.from && !isQuarterStart(p.from)) errors.from = PERIOD_MESSAGES.from;
	if (p.to && !isQuarterEnd(p.to)) errors.to = PERIOD_MESSAGES.to;
	return errors;
}

/**
 * The period's edges as quarter indexes: each edge lies just before the quarter given (so `from`
 * = 2024-07-01 is edge 2024 Q3, and `to` = 2024-09-30 is edge 2024 Q4). Throws on a period that
 * is not whole quarters: callers check `periodErrors` first, so this is a programming error.
 */
export function periodEdges(p: EnrolmentPeriod): number[] {
	if (Object.keys(periodErrors(p)).length > 0) throw new Error(`enrolment period not in whole quarters: ${p.from ?? ''}..${p.to ?? ''}`);
	const edges: number[] = [];
	if (p.from) edges.push(quarterIndex(p.from));
	if (p.to) edges.push(quarterIndex(p.to) + 1);
	return edges;
}

/** True when the quarter (index) lies inside the period. */
export function inPeriod(quarter: number, p: EnrolmentPeriod): boolean {
	return (!p.from || quarter >= quarterIndex(p.from)) && (!p.to || quarter <= quarterIndex(p.to));
}

/**
 * Rule 2 for one group: `counts` are the group's patients per quarter over every quarter (not only
 * the period's), as [quarter, patients] pairs, in any order. An edge with patients on both sides
 * needs the nearest quarter with patients before it, and the nearest from it on, to hold k each.
 */
export function edgesHold(counts: readonly (readonly [number, number])[], edges: readonly number[], k: number): boolean {
	for (const edge of edges) {
		let before: [number, number] | null = null;
		let after: [number, number] | null = null;
		for (const [q, n] of counts) {
			if (n <= 0) continue;
			if (q < edge && (!before || q > before[0])) before = [q, n];
			if (q >= edge && (!after || q < after[0])) after = [q, n];
		}
		if (before && after && (before[1] < k || after[1] < k)) return false;
	}
	return true;
}

/**
 * The sessions rule for one cell of a group (docs/security.md, "Evidence reports across plans"):
 * `counts` are [level, patients] pairs, `threshold` a minimum such as a number of sessions. Each
 * side of the threshold that has patients must have, as its level nearest the threshold, one
 * holding at least k. Unlike `edgesHold`, a side is checked even when the other is empty: a cell
 * is one slice of a group shown whole, so a cell wholly below the minimum is itself a difference.
 */
export function thresholdHolds(counts: readonly (readonly [number, number])[], threshold: number, k: number): boolean {
	let below: [number, number] | null = null;
	let above: [number, number] | null = null;
	for (const [level, n] of counts) {
		if (n <= 0) continue;
		if (level < threshold && (!below || level > below[0])) below = [level, n];
		if (level >= threshold && (!above || level < above[0])) above = [level, n];
	}
	return (!below || below[1] >= k) && (!above || above[1] >= k);
}

/** The quarters a period select offers: from the first enrolment's quarter to today's. */
export function quarterChoices(firstEnrolment: string | null, today: string): { index: number; start: string; end: string; label: string }[] {
	const last = quarterIndex(today);
	const first = firstEnrolment ? Math.min(quarterIndex(firstEnrolment), last) : last;
	const out = [];
	for (let i = last; i >= first; i--) out.push({ index: i, start: quarterStart(i), end: quarterEnd(i), label: quarterLabel(i) });
	return out;
}
