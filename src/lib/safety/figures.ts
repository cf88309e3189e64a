/**
 * The safety figures from counts the database aggregated: rates with their intervals, and the
 * small-cell rule. A group (condition) of fewer than k patients is withheld; the overall figures
 * are shown only when no group of the selection is withheld. Each patient has one condition, so two
 * shown totals then differ by whole groups of at least k patients each, whatever conditions the two
 * queries chose. (Allowing withheld groups that hold k or more together is not enough: a total over
 * {A, B, C} and one over {A, B, C, D}, with B, C and D withheld, differ by D alone.)
 */
import { DAYS_PER_YEAR, rateWithCi, wilson } from './rates';
import type { FlareTrend } from './flare-trend';
import type { StressFlare } from './stress-flare';

/** Per condition, over its patients with at least one live visit. */
export interface SafetyCounts {
	condition: string;
	patients: number;
	/** Live visits, and those at which the adverse event question was answered (none or yes). */
	visits: number;
	asked: number;
	/** Acupuncture sessions recorded at live visits: the denominator. */
	sessions: number;
	/** Live (not voided) adverse events. */
	events: number;
	patientsWithEvent: number;
	seriousEvents: number;
}

export interface FlareCounts {
	condition: string;
	patients: number;
	/** Observed days in the first 12 weeks from baseline, and after, summed over patients. */
	earlyDays: number;
	laterDays: number;
	earlyFlares: number;
	laterFlares: number;
}

export interface SafetyGroup {
	condition: string | null;
	sessions: number;
	events: number;
	per_100_sessions: number | null;
	ci_low: number | null;
	ci_high: number | null;
	patients: number;
	patients_with_event: number;
	share: number | null;
	share_ci_low: number | null;
	share_ci_high: number | null;
	serious_events: number;
	asked_rate: number | null;
}
export type Suppressed = { condition: string | null; suppressed: true };

export interface FlareGroup {
	condition: string;
	early_per_patient_year: number | null;
	early_ci_low: number | null;
	early_ci_high: number | null;
	later_per_patient_year: number | null;
	later_ci_low: number | null;
	later_ci_high: number | null;
}

export interface SafetyFigures {
	k: number;
	groups: (SafetyGroup | Suppressed)[];
	overall: SafetyGroup | Suppressed;
	flares: (FlareGroup | { condition: string; suppressed: true })[];
	/** Flare onsets per patient-year by month in treatment: $lib/safety/flare-trend. */
	flare_trend: FlareTrend[];
	/** Stress (PSS-10) or anxiety (GAD-7) before a flare against not: $lib/safety/stress-flare. */
	stress_flare: StressFlare;
}

export function safetyGroup(c: Omit<SafetyCounts, 'condition'> & { condition: string | null }): SafetyGroup {
	const rate = rateWithCi(c.events, c.sessions, 100);
	const share = c.patients > 0 ? wilson(c.patientsWithEvent, c.patients) : null;
	return {
		condition: c.condition,
		sessions: c.sessions,
		events: c.events,
		per_100_sessions: rate?.rate ?? null,
		ci_low: rate?.low ?? null,
		ci_high: rate?.high ?? null,
		patients: c.patients,
		patients_with_event: c.patientsWithEvent,
		share: c.patients > 0 ? c.patientsWithEvent / c.patients : null,
		share_ci_low: share?.low ?? null,
		share_ci_high: share?.high ?? null,
		serious_events: c.seriousEvents,
		asked_rate: c.visits > 0 ? c.asked / c.visits : null
	};
}

export function flareGroup(c: FlareCounts): FlareGroup {
	const early = rateWithCi(c.earlyFlares, c.earlyDays / DAYS_PER_YEAR);
	const later = rateWithCi(c.laterFlares, c.laterDays / DAYS_PER_YEAR);
	return {
		condition: c.condition,
		early_per_patient_year: early?.rate ?? null,
		early_ci_low: early?.low ?? null,
		early_ci_high: early?.high ?? null,
		later_per_patient_year: later?.rate ?? null,
		later_ci_low: later?.low ?? null,
		later_ci_high: later?.high ?? null
	};
}

/** Whether a total over groups may be shown, given how many patients the withheld groups hold: only when none is withheld. */
export function totalShown(hiddenPatients: number, totalPatients: number, k: number): boolean {
	return totalPatients >= k && hiddenPatients === 0;
}

export const isSuppressed = (g: SafetyGroup | Suppressed | FlareGroup | { suppressed: true }): g is Suppressed => 'suppressed' in g;

export function buildSafetyFigures(counts: SafetyCounts[], flares: FlareCounts[], k: number): SafetyFigures {
	const shown = (n: number) => n >= k;
	const sum = (key: Exclude<keyof SafetyCounts, 'condition'>) => counts.reduce((a, c) => a + c[key], 0);
	const total = sum('patients');
	const hidden = counts.filter((c) => !shown(c.patients)).reduce((a, c) => a + c.patients, 0);
	const overall = totalShown(hidden, total, k)
		? safetyGroup({ condition: null, patients: total, visits: sum('visits'), asked: sum('asked'), sessions: sum('sessions'), events: sum('events'), patientsWithEvent: sum('patientsWithEvent'), seriousEvents: sum('seriousEvents') })
		: ({ condition: null, suppressed: true } as const);
	return {
		k,
		groups: counts.map((c) => (shown(c.patients) ? safetyGroup(c) : { condition: c.condition, suppressed: true as const })),
		overall,
		flares: flares.map((f) => (shown(f.patients) ? flareGroup(f) : { condition: f.condition, suppressed: true as const })),
		// Filled in by the server from its own sums (safetyFigures); empty or withheld until then.
		flare_trend: [],
		stress_flare: { suppressed: true }
	};
}
