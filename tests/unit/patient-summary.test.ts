import { describe, expect, it } from 'vitest';
import { summarise, verdictOf } from '../../src/lib/patients/summary';
import { sparklinePoints } from '../../src/lib/charts/sparkline';

const scales = [
	{ instrumentId: 'pain_nrs', scale: 'score', label: 'Pain NRS', higherIsBetter: false, mcid: 2, min: 0, max: 10 },
	{ instrumentId: 'who5', scale: 'percentage', label: 'WHO-5 %', higherIsBetter: true, mcid: 10, min: 0, max: 100 },
	{ instrumentId: 'fss9', scale: 'mean', label: 'FSS-9', higherIsBetter: false, mcid: null, min: 1, max: 7 },
	{ instrumentId: 'rand36', scale: 'pf', label: 'RAND-36 PF', higherIsBetter: true, mcid: 5, min: 0, max: 100 }
];
const visit = (id: string, visitDate: string, scores: Record<string, Record<string, number | null>>, voided = false) => ({
	id,
	visitDate,
	voided,
	responses: Object.entries(scores).map(([instrumentId, s]) => ({ instrumentId, scores: s }))
});

describe('patient summary', () => {
	// A hand-built patient: pain 7 → 6 → 4 (−3, better by ≥ 2), WHO-5 40 → 44 (+4 < 10), FSS-9 with
	// no MCID, RAND-36 PF once only; a voided visit with pain 0 is left out.
	const visits = [
		visit('c', '2025-03-01', { pain_nrs: { score: 4 }, who5: { percentage: 44 } }),
		visit('a', '2025-01-01', { pain_nrs: { score: 7 }, who5: { percentage: 40 }, fss9: { mean: 5 }, rand36: { pf: 50 } }),
		visit('b', '2025-02-01', { pain_nrs: { score: 6 }, fss9: { mean: 3.2 } }),
		visit('v', '2025-04-01', { pain_nrs: { score: 0 } }, true)
	];
	const rows = summarise(visits, scales);
	it('takes baseline and latest from live visits in date order', () => {
		expect(rows.map((r) => [r.id, r.baseline.value, r.latest.value, r.visits])).toEqual([
			['pain_nrs-score', 7, 4, 3],
			['who5-percentage', 40, 44, 2],
			['fss9-mean', 5, 3.2, 2],
			['rand36-pf', 50, 50, 1]
		]);
		expect(rows[0]!.values).toEqual([7, 6, 4]);
		expect(rows[0]!.latest.date).toBe('2025-03-01');
	});
	it('judges the change against the MCID in the scale’s direction', () => {
		expect(rows.map((r) => r.verdict)).toEqual(['improved', 'within', 'no_mcid', 'baseline_only']);
		expect(verdictOf(2, 2, false, 2)).toBe('worsened');
		expect(verdictOf(-2, 2, false, 2)).toBe('improved');
		expect(verdictOf(-1.9999999999, 2, false, 2)).toBe('improved');
		expect(verdictOf(-1.99, 2, false, 2)).toBe('within');
		expect(verdictOf(-10, 10, true, 3)).toBe('worsened');
	});
	it('draws a sparkline inside its box', () => {
		expect(sparklinePoints([0, 10], 100, 20, { min: 0, max: 10 })).toBe('0,18 100,2');
		expect(sparklinePoints([5], 100, 20, { min: 0, max: 10 })).toBe('50,10');
		expect(sparklinePoints([], 100, 20)).toBe('');
	});
});
