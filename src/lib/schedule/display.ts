/** Words for schedules on screen: the short name of an instrument, a schedule in one line, a time point. */
import { getInstrument } from '../instruments/registry';
import type { CellStatus, Schedule } from './index';

export const instrumentName = (id: string) => getInstrument(id)?.shortName ?? id;

export function weekLabel(week: number): string {
	return week === 0 ? 'Baseline' : `Week ${week}`;
}

export function describeSchedule(s: Pick<Schedule, 'windowWeeks' | 'repeatEveryWeeks' | 'points'>): string {
	if (s.points.length === 0) return 'No schedule';
	const points = s.points.map((p) => `${weekLabel(p.week)}: ${p.instruments.map(instrumentName).join(', ')}`).join('; ');
	const repeat = s.repeatEveryWeeks ? `; then every ${s.repeatEveryWeeks} weeks` : '';
	return `${points}${repeat} (± ${s.windowWeeks} ${s.windowWeeks === 1 ? 'week' : 'weeks'})`;
}

export const STATUS_LABELS: Record<CellStatus, string> = { done: 'Done', missed: 'Missed', due: 'Due', not_yet: 'Not yet' };

/**
 * Where "Self-report" on a due time point posts: the patient page's action, which reuses or records
 * today's visit and opens its self-report page with the time point's forms chosen. A POST, as it
 * may write.
 */
export function startSelfReportAction(patientId: string): string {
	return `/patients/${patientId}?/selfReport`;
}

/** The new-visit form, pre-filled with these instruments (and the visit kind). */
export function entryHref(patientId: string, instruments: readonly string[], week: number): string {
	const kind = week === 0 ? 'baseline' : 'follow_up';
	return `/patients/${patientId}/visits/new?instruments=${instruments.map(encodeURIComponent).join(',')}&kind=${kind}`;
}
