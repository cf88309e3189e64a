/**
 * Stress and flares: within each patient, the mean stress (PSS-10) or anxiety (GAD-7) score at
 * visits followed by a flare onset before the next visit minus the mean at visits that were not;
 * then the mean of those within-patient differences across the patients who have both kinds of
 * visit, with its t interval (a paired comparison: each patient is their own control).
 *
 * The database sends, per condition, the number of contributing patients and the sum and sum of
 * squares of their differences (nothing per patient leaves SQL). Shown only when at least k
 * patients contribute and every condition that contributes any patient contributes at least k:
 * two queries over different condition lists then never differ by fewer than k patients.
 */
import { meanCi } from '../stats';

/** The instruments tried, in order: PSS-10 (the stress claim), then GAD-7 when too few patients have PSS-10. */
export const STRESS_INSTRUMENTS = ['pss10', 'gad7'] as const;
export type StressInstrument = (typeof STRESS_INSTRUMENTS)[number];

export interface DifferenceSums {
	condition: string;
	/** Patients with at least one visit of each kind. */
	patients: number;
	sum: number;
	sumSq: number;
}

export type StressFlare = { instrument: StressInstrument; patients: number; mean_difference: number; ci_low: number | null; ci_high: number | null } | { suppressed: true };

/** Mean, SD (n − 1) and 95 % t interval of n values given their sum and sum of squares. */
export function pairedMeanDifference(n: number, sum: number, sumSq: number): { mean: number; sd: number | null; low: number | null; high: number | null } | null {
	if (n < 1) return null;
	const mean = sum / n;
	// max(0, …): the subtraction can fall a rounding error below zero when every value is equal.
	const sd = n > 1 ? Math.sqrt(Math.max(0, (sumSq - n * mean * mean) / (n - 1))) : null;
	const ci = meanCi(mean, sd, n);
	return { mean, sd, low: ci?.low ?? null, high: ci?.high ?? null };
}

/** Whether the figure over these conditions may be shown (see the file's comment). */
export function stressFlareShown(groups: DifferenceSums[], k: number): boolean {
	const total = groups.reduce((a, g) => a + g.patients, 0);
	return total >= k && groups.every((g) => g.patients === 0 || g.patients >= k);
}

/** The first instrument (in STRESS_INSTRUMENTS order) whose figure may be shown, or withheld. */
export function buildStressFlare(byInstrument: Record<StressInstrument, DifferenceSums[]>, k: number): StressFlare {
	for (const instrument of STRESS_INSTRUMENTS) {
		const groups = byInstrument[instrument] ?? [];
		if (!stressFlareShown(groups, k)) continue;
		const n = groups.reduce((a, g) => a + g.patients, 0);
		const d = pairedMeanDifference(n, groups.reduce((a, g) => a + g.sum, 0), groups.reduce((a, g) => a + g.sumSq, 0))!;
		return { instrument, patients: n, mean_difference: d.mean, ci_low: d.low, ci_high: d.high };
	}
	return { suppressed: true };
}
