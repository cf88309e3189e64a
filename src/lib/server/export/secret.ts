/**
 * The key for stable pseudonyms lives outside the database: EXPORT_SECRET, or a random key created
 * once in DATA_DIR/export-secret (see ../secrets). Without it a database dump cannot re-identify.
 */
import type { Settings } from '../config';
import { loadSecret } from '../secrets';

export function loadExportSecret(s: Settings): string {
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
