/**
 * The canonical text of a definition: JSON with every object's keys in code-point order, no
 * whitespace. Two uploads of the same definition, however formatted, have one text and so one
 * SHA-256; the stored responses name that digest.
 */
export function canonicalJson(value: unknown): string {
	if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
	if (value !== null && typeof value === 'object') {
		const keys = Object.keys(value).sort();
		return `{${keys
			.filter((k) => (value as Record<string, unknown>)[k] !== undefined)
			.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
			.join(',')}}`;
	}
	return JSON.stringify(value) ?? 'null';
}
