import { describe, expect, it } from 'vitest';
import { ageBand, generaliseToK, generalised } from '../../src/lib/export/anonymise';
import { csvCell, csvLine } from '../../src/lib/export/csv';

describe('age bands', () => {
	it('are 5-year bands by default and widen', () => {
		expect(ageBand(42, 5)).toBe('40-44');
		expect(ageBand(45, 5)).toBe('45-49');
		expect(ageBand(42, 10)).toBe('40-49');
		expect(ageBand(59, 20)).toBe('40-59');
		expect(generalised({ condition: 'ms', sex: 'female', age: 42 }, 3)).toEqual({ condition: 'ms', sex: 'female', ageBand: '*' });
		expect(generalised({ condition: 'ms', sex: 'female', age: 42 }, 5)).toEqual({ condition: '*', sex: '*', ageBand: '*' });
	});
});

describe('generalisation to reach k', () => {
	const cohort = (rows: [string, string, string, number][]) => new Map(rows.map(([id, condition, sex, age]) => [id, { condition, sex, age }]));
	it('leaves groups that already hold k patients alone', () => {
		const g = generaliseToK(cohort([['a', 'ms', 'female', 41], ['b', 'ms', 'female', 42], ['c', 'ms', 'female', 44]]), 3);
		expect([...g.levels.values()]).toEqual([0, 0, 0]);
		expect(g.smallestGroup).toBe(3);
		expect(g.generalisedPatients).toBe(0);
	});
	it('widens the age band of a small group until it reaches k', () => {
		// 40-44 has 2, 45-49 has 1: at 10 years all three share 40-49.
		const g = generaliseToK(cohort([['a', 'ms', 'female', 41], ['b', 'ms', 'female', 43], ['c', 'ms', 'female', 47], ['d', 'ra', 'male', 60], ['e', 'ra', 'male', 61], ['f', 'ra', 'male', 62]]), 3);
		expect(g.levels.get('a')).toBe(1);
		expect(g.levels.get('c')).toBe(1);
		expect(g.levels.get('d')).toBe(0);
		expect(g.generalisedPatients).toBe(3);
		expect(g.smallestGroup).toBe(3);
	});
	it('suppresses patients who cannot reach k even fully generalised', () => {
		const g = generaliseToK(cohort([['a', 'ms', 'female', 41], ['b', 'ra', 'male', 70]]), 3);
		expect(g.suppressed.sort()).toEqual(['a', 'b']);
		expect(g.levels.size).toBe(0);
		expect(g.smallestGroup).toBeNull();
	});
});

describe('CSV cells', () => {
	it('quote per RFC 4180', () => {
		expect(csvCell('plain')).toBe('plain');
		expect(csvCell('a,b')).toBe('"a,b"');
		expect(csvCell('say "hi"')).toBe('"say ""hi"""');
		expect(csvCell('two\nlines')).toBe('"two\nlines"');
		expect(csvCell(null)).toBe('');
		expect(csvLine(['x', 1, null])).toBe('x,1,\r\n');
	});
	it('neutralise formulas but keep plain numbers numeric', () => {
		expect(csvCell('=SUM(A1:A9)')).toBe("'=SUM(A1:A9)");
		expect(csvCell('+cmd')).toBe("'+cmd");
		expect(csvCell('@x')).toBe("'@x");
		expect(csvCell('\tx')).toBe("'\tx");
		expect(csvCell('-2+3')).toBe("'-2+3");
		expect(csvCell('-1.5')).toBe('-1.5');
		expect(csvCell(-3)).toBe('-3');
		expect(csvCell('+4')).toBe('+4');
	});
});
