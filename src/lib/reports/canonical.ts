/**
 * A plan's canonical JSON: keys sorted by code unit, no spaces, absent fields left out. Locking
 * hashes this text (SHA-256, hex) and stores it beside the hash, so anyone can recompute the hash
 * from the stored text — in SQL too: `encode(sha256(convert_to(canonical, 'UTF8')), 'hex')`.
 * Pure: the browser may show it; the hash itself is taken on the server (node:crypto).
 */
export function canonicalPlanJson(value: unknown): string {
	if (value === undefined || value === null) return 'null';
	if (typeof value === 'number' && !Number.isFinite(value)) throw new Error('a plan holds only finite numbers');
	if (typeof value !== 'object') return JSON.stringify(value);
	if (Array.isArray(value)) return `[${value.map(canonicalPlanJson).join(',')}]`;
	const entries = Object.entries(value as Record<string, unknown>)
		.filter(([, v]) => v !== undefined)
		.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
	return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalPlanJson(v)}`).join(',')}}`;
}
