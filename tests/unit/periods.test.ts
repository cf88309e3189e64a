import { describe, expect, it } from 'vitest';
import {
	edgesHold,
	inPeriod,
	isQuarterEnd,
	isQuarterStart,
	mayFilterByDay,
	periodEdges,
	periodErrors,
	periodMessage,
	quarterChoices,
	quarterIndex
} from '../../src/lib/privacy/periods';

describe('enrolment periods in whole quarters', () => {
	it('knows each quarter’s first and last day, leap years included', () => {
		expect(['2024-01-01', '2024-04-01', '2024-07-01', '2024-10-01'].every(isQuarterStart)).toBe(true);
		expect(['2024-03-31', '2024-06-30', '2024-09-30', '2024-12-31'].every(isQuarterEnd)).toBe(true);
		expect(['2024-01-02', '2024-08-09', '2024-03-31'].some(isQuarterStart)).toBe(false);
		expect(['2024-03-30', '2024-08-08', '2024-04-01', '2024-02-29'].some(isQuarterEnd)).toBe(false);
		expect(quarterIndex('2024-12-31') + 1).toBe(quarterIndex('2025-01-01'));
	});

	it('refuses the issue’s day-precise pair at the field that breaks the rule, naming it', () => {
		expect(periodErrors({ from: '2023-01-01', to: '2024-08-08' })).toEqual({ to: expect.stringMatching(/31 March, 30 June, 30 September or 31 December/) });
		expect(periodErrors({ from: '2023-01-02', to: '2024-09-30' })).toEqual({ from: expect.stringMatching(/1 January, 1 April, 1 July or 1 October/) });
		expect(periodErrors({ from: '2023-01-01', to: '2024-09-30' })).toEqual({});
		expect(periodErrors({})).toEqual({});
		expect(periodMessage(periodErrors({ to: '2024-08-09' }))).toMatch(/^to: Choose a whole quarter/);
		expect(() => periodEdges({ to: '2024-08-09' })).toThrow(/whole quarters/);
	});

	it('lets administrators, and only them, filter by any day', () => {
		expect(mayFilterByDay('admin')).toBe(true);
		expect(['researcher', 'clinician'].some(mayFilterByDay)).toBe(false);
	});

	it('places each edge before the quarter it opens', () => {
		expect(periodEdges({ from: '2024-07-01', to: '2024-09-30' })).toEqual([quarterIndex('2024-07-01'), quarterIndex('2024-10-01')]);
		expect(inPeriod(quarterIndex('2024-08-09'), { from: '2024-07-01', to: '2024-09-30' })).toBe(true);
		expect(inPeriod(quarterIndex('2024-10-01'), { to: '2024-09-30' })).toBe(false);
	});

	it('offers every quarter from the first enrolment to today, newest first', () => {
		const choices = quarterChoices('2023-11-15', '2024-05-02');
		expect(choices.map((c) => c.label)).toEqual(['2024 Q2 (Apr–Jun)', '2024 Q1 (Jan–Mar)', '2023 Q4 (Oct–Dec)']);
		expect(choices[0]).toMatchObject({ start: '2024-04-01', end: '2024-06-30' });
		expect(quarterChoices(null, '2024-05-02')).toHaveLength(1);
	});
});

describe('the edge rule', () => {
	const q = (date: string) => quarterIndex(date);
	const counts: [number, number][] = [[q('2024-02-01'), 5], [q('2024-05-01'), 3], [q('2024-08-09'), 1], [q('2024-11-01'), 4]];
	it('passes an edge whose nearest non-empty quarter on each side holds k', () => {
		expect(edgesHold(counts, [q('2024-04-01')], 3)).toBe(true);
		expect(edgesHold(counts, [q('2024-01-01')], 3)).toBe(true); // nothing before: it cuts nothing
		expect(edgesHold(counts, [q('2025-01-01')], 3)).toBe(true); // nothing after, though Q4 (4) is…
		expect(edgesHold([...counts, [q('2024-11-01'), 1]], [q('2025-07-01')], 3)).toBe(true); // …or is not k
		expect(edgesHold(counts, [], 3)).toBe(true);
	});
	it('fails an edge next to a quarter of 1..k−1 patients, on either side', () => {
		expect(edgesHold(counts, [q('2024-07-01')], 3)).toBe(false);
		expect(edgesHold(counts, [q('2024-10-01')], 3)).toBe(false);
		expect(edgesHold(counts, [q('2024-04-01'), q('2024-10-01')], 3)).toBe(false);
	});
	it('looks past empty quarters to the nearest one with patients', () => {
		const sparse: [number, number][] = [[q('2023-02-01'), 2], [q('2024-02-01'), 6]];
		expect(edgesHold(sparse, [q('2023-10-01')], 3)).toBe(false);
		expect(edgesHold([[q('2023-02-01'), 4], [q('2024-02-01'), 6]], [q('2023-10-01')], 3)).toBe(true);
	});
	it('makes any two allowed periods differ by 0 or at least k (exhaustively, on random counts)', () => {
		const leaks: string[] = [];
		let seed = 7;
		const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
		for (let trial = 0; trial < 300; trial++) {
			const k = 2 + Math.floor(random() * 4);
			const quarters = Array.from({ length: 8 }, (_, i) => [i, random() < 0.3 ? 0 : Math.floor(random() * 2 * k)] as [number, number]);
			const present = quarters.filter(([, n]) => n > 0);
			const size = (lo: number, hi: number) => quarters.filter(([i]) => i >= lo && i < hi).reduce((a, [, n]) => a + n, 0);
			// Ends −1 and 9 stand for "no filter" (no edge).
			const ends = [-1, ...Array.from({ length: 9 }, (_, i) => i)].filter((e) => e === -1 || edgesHold(present, [e], k));
			// A group of 1..k−1 patients in a period is withheld anyway (n < k): only the others are shown.
			const allowed = ends
				.flatMap((lo) => [...ends, 9].filter((hi) => hi === 9 || hi > lo).map((hi) => [Math.max(lo, 0), hi] as const))
				.filter(([lo, hi]) => size(lo, hi) === 0 || size(lo, hi) >= k);
			for (const [a, b] of allowed) {
				for (const [c, d] of allowed) {
					// The symmetric difference of [a, b) and [c, d), in patients.
					const only = size(a, b) + size(c, d) - 2 * size(Math.max(a, c), Math.min(b, d) > Math.max(a, c) ? Math.min(b, d) : Math.max(a, c));
					if (only > 0 && only < k) leaks.push(`k=${k} ${JSON.stringify(quarters)} [${a},${b}) vs [${c},${d})`);
				}
			}
		}
		expect(leaks).toEqual([]);
	});
});
