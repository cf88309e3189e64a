import { daysBetween } from '$lib/schedule';
import type { DueState } from '$lib/schedule';

/** "Overdue by 3 days", "Due (target in 2 days)", "Opens in 4 days". */
export function describeDue(r: { state: DueState; target: string; opens: string }, today: string): string {
	const days = (n: number) => `${n} ${n === 1 ? 'day' : 'days'}`;
	if (r.state === 'overdue') return `Overdue by ${days(daysBetween(r.target, today))}`;
	if (r.state === 'soon') return `Opens in ${days(daysBetween(today, r.opens))}`;
	const left = daysBetween(today, r.target);
	return left === 0 ? 'Due today' : `Due (target in ${days(left)})`;
}
