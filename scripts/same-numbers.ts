/**
 * Whether two results hold the same numbers: every number equal to 1e-9 (relative, above 1),
 * every array of the same length, every object with the same keys. Used to check that the
 * rollup's answer and the plain SQL's agree (benchmark, reliability suite).
 */
export function sameNumbers(a: unknown, b: unknown): boolean {
	if (typeof a === 'number' && typeof b === 'number') return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a));
	if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameNumbers(x, b[i]));
	if (a && b && typeof a === 'object' && typeof b === 'object') {
		const ka = Object.keys(a).sort();
		const kb = Object.keys(b).sort();
		return sameNumbers(ka, kb) && ka.every((k) => sameNumbers((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
	}
	return a === b;
}
