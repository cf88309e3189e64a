import { describe, expect, it } from 'vitest';
import { aggregatesCsv, buildCohortDatasets } from '../../src/lib/charts/cohort';
import { cohortCsvHeader, cohortFileName, type CohortDownloadAbout } from '../../src/lib/charts/cohort-files';
import { cohortPanels, niceStep, sharedRanges } from '../../src/lib/charts/cohort-panels';
import { styleFor } from '../../src/lib/charts/palette';

const point = (x: number, mean: number, n = 6) => ({ x, n, mean, ci_low: mean - 1, ci_high: mean + 1, median: mean, q1: mean - 0.5, q3: mean + 0.5 });
const series = (code: string, points = [point(1, 5), point(2, 4)]) => ({ condition: code, label: code.toUpperCase(), points });

describe('cohort panels', () => {
	it('draws up to three conditions in one panel, and more as one panel each, skipping conditions with nothing drawn', () => {
		expect(cohortPanels([series('a'), series('b'), series('c')])).toEqual([{ title: null, series: [0, 1, 2].map((i) => ({ series: series('abc'[i]!), styleIndex: i })) }]);
		const many = [series('a'), series('b', []), series('c'), series('d'), series('e')];
		const panels = cohortPanels(many);
		expect(panels.map((p) => p.title)).toEqual(['A', 'C', 'D', 'E']);
		// Each keeps its place in the whole list, so its colour and marker do not change.
		expect(panels.map((p) => p.series[0]!.styleIndex)).toEqual([0, 2, 3, 4]);
		expect(cohortPanels([series('a', [])])).toEqual([]);
	});
	it('keeps a condition\'s style when drawn alone', () => {
		const ds = buildCohortDatasets([series('d')], 'mean', () => 3);
		expect(ds.find((d) => d.role === 'centre')!.borderColor).toBe(styleFor(3).color);
	});
	it('shares one y range (centre and band, widened to whole steps) and one x range', () => {
		// Values drawn: means 5, 4 with CI ±1 → 3 to 6; and 2 to 9.5 → 1 to 10.5 overall.
		const r = sharedRanges([series('a'), series('b', [point(3, 2), point(5, 9.5)])], 'mean');
		expect(niceStep(9.5)).toBe(2);
		expect(r).toEqual({ y: { min: 0, max: 12 }, x: { min: 1, max: 5 } });
		// The median's band is the IQR: 1.5 to 10.
		expect(sharedRanges([series('b', [point(3, 2), point(5, 9.5)])], 'median')!.y).toEqual({ min: 0, max: 10 });
		expect(sharedRanges([series('a', [])], 'mean')).toBeNull();
	});
	it('picks 1, 2 or 5 times a power of ten', () => {
		expect([niceStep(1), niceStep(7), niceStep(30), niceStep(0.4), niceStep(0)]).toEqual([0.2, 2, 10, 0.1, 1]);
	});
});

describe('cohort downloads', () => {
	const about: CohortDownloadAbout = {
		instrument: { id: 'fss9', name: 'Fatigue Severity Scale', version: '1989' },
		scale: { key: 'mean', label: 'Mean score', higherIsBetter: false },
		measure: 'change',
		statistic: 'median',
		axis: 'week',
		bucket: 4,
		conditions: [{ code: 'ms', label: 'Multiple sclerosis' }, { code: 'ra', label: 'Rheumatoid arthritis, "seropositive"' }],
		k: 5
	};
	it('names the file by everything that defines it', () => {
		expect(cohortFileName(about, 'cohort', 'csv')).toBe('cohort-fss9-mean-change-median-weeks-by-4-ms+ra.csv');
		expect(cohortFileName({ ...about, axis: 'visit', measure: 'score', statistic: 'mean', conditions: [] }, 'cohort', 'png')).toBe('cohort-fss9-mean-score-mean-by-visit-all-conditions.png');
		expect(cohortFileName({ ...about, from: '2024-01-01', to: '2024-12-31' }, 'responders', 'png')).toBe('responders-fss9-mean-ms+ra-enrolled-2024-01-01-to-2024-12-31.png');
		const many = Array.from({ length: 20 }, (_, i) => ({ code: `condition_${i}`, label: `C${i}` }));
		expect(cohortFileName({ ...about, conditions: many }, 'cohort', 'csv')).toBe('cohort-fss9-mean-change-median-weeks-by-4-20-conditions.csv');
	});
	it('starts the CSV with comment lines that state the same, each one cell with no comma or quote', () => {
		const head = cohortCsvHeader(about);
		expect(head.every((l) => l.startsWith('# ') && !/[",]/.test(l))).toBe(true);
		expect(head.join('\n')).toContain('instrument: fss9 (Fatigue Severity Scale) version 1989');
		expect(head.join('\n')).toContain('scale: mean (Mean score); lower is better');
		expect(head.join('\n')).toContain('measure: change from baseline');
		expect(head.join('\n')).toContain('statistic: median');
		expect(head.join('\n')).toContain('time axis: weeks since baseline in 4-week buckets');
		expect(head.join('\n')).toContain('conditions: ms (Multiple sclerosis); ra (Rheumatoid arthritis seropositive)');
		const csv = aggregatesCsv([series('ms')], 'week', head).split('\r\n');
		expect(csv.slice(0, head.length)).toEqual(head);
		expect(csv[head.length]).toBe('condition,week,n,mean,ci_low,ci_high,median,q1,q3');
		expect(csv[head.length + 1]).toBe('ms,1,6,5,4,6,5,4.5,5.5');
	});
});

describe('the count strip', () => {
	it('writes every count while they fit, and thins them when they would touch', async () => {
		const { labelStep } = await import('../../src/lib/charts/count-strip');
		expect(labelStep(30, 18)).toBe(1);
		expect(labelStep(19.5, 18)).toBe(2); // three digits (~18 px) 19.5 px apart ran together
		expect(labelStep(8, 18)).toBe(3);
		expect(labelStep(Infinity, 18)).toBe(1); // one point
	});
});
