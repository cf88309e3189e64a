/**
 * The key for stable pseudonyms lives outside the database: EXPORT_SECRET, or a random key created
 * once in DATA_DIR/export-secret (see ../secrets). Without it a database dump cannot re-identify.
 */
import type { Settings } from '../config';
import { loadSecret } from '../secrets';

const MIN_LENGTH = 32;
// A random value of 32+ characters from any usual alphabet (hex has 16) shows far more than this.
const MIN_DISTINCT = 10;
const HOW = 'use a random value, e.g. the output of `openssl rand -hex 32`';
// Values printed in this repository (its test and benchmark scripts), and words of a placeholder.
const KNOWN_EXAMPLES = new Set([
	'e2e-export-secret-0123456789abcdef0123456789',
	'reliability-export-secret-0123456789abcdef',
	'bench-secret-bench-secret-bench-secret-0123'
]);
const PLACEHOLDER = /change.?me|change.?it|replace.?(me|this)|your.?(export.?)?secret|secret.?goes.?here|example|placeholder|dummy|not.?a.?secret/i;

/** The shortest unit that `s` repeats (≤ half its length), or null. */
function repeatedUnit(s: string): number | null {
	for (let p = 1; p <= s.length / 2; p++) {
		let periodic = true;
		for (let i = p; i < s.length && periodic; i++) periodic = s[i] === s[i - p];
		if (periodic) return p;
	}
	return null;
}

/** True when most neighbours are a step of one apart: 0123…, abcd…, zyxw…. */
function isSequence(s: string): boolean {
	let steps = 0;
	for (let i = 1; i < s.length; i++) if (Math.abs(s.charCodeAt(i) - s.charCodeAt(i - 1)) === 1) steps++;
	return steps > (s.length - 1) / 2;
}

/**
 * Why EXPORT_SECRET is too weak to key the pseudonyms, or null. Length alone let
 * `xxxx…` or a value copied from this repository through; whoever guesses the key can
 * re-identify every export made with it.
 */
export function exportSecretProblem(secret: string): string | null {
	if ([...secret].length < MIN_LENGTH) return `EXPORT_SECRET must be at least ${MIN_LENGTH} characters; ${HOW}`;
	if (KNOWN_EXAMPLES.has(secret) || PLACEHOLDER.test(secret)) return `EXPORT_SECRET is an example or placeholder value, known to others; ${HOW}`;
	const distinct = new Set(secret).size;
	if (distinct === 1) return `EXPORT_SECRET is one character repeated; ${HOW}`;
	if (distinct < MIN_DISTINCT) return `EXPORT_SECRET has only ${distinct} different characters; ${HOW}`;
	const unit = repeatedUnit(secret);
	if (unit !== null) return `EXPORT_SECRET repeats the same ${unit} characters; ${HOW}`;
	if (isSequence(secret)) return `EXPORT_SECRET is mostly a sequence (like 0123… or abcd…); ${HOW}`;
	return null;
}

export function loadExportSecret(s: Settings): string {
	const fromEnv = process.env.EXPORT_SECRET;
	if (fromEnv) {
		const problem = exportSecretProblem(fromEnv);
		if (problem) throw new Error(problem);
	}
	return loadSecret(s, { env: 'EXPORT_SECRET', file: 'export-secret' });
}

const holder = globalThis as unknown as { __exportSecret?: string };
export function setExportSecret(secret: string) {
	holder.__exportSecret = secret;
}
export function exportSecret(): string {
	if (!holder.__exportSecret) throw new Error('export secret not loaded');
	return holder.__exportSecret;
}
