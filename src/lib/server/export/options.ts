import * as v from 'valibot';
import { settings } from '../config';
import type { ExportOptions } from '.';
import { ExportOptionsSchema, exportInput } from '../../validation/export';

/** Parsed options with k raised to the site minimum; or the messages for the user. */
export function readOptions(url: URL): { ok: true; options: ExportOptions } | { ok: false; errors: string[] } {
	const parsed = v.safeParse(ExportOptionsSchema, exportInput(url));
	if (!parsed.success) return { ok: false, errors: [...new Set(parsed.issues.map((i) => i.message))] };
	return { ok: true, options: { ...parsed.output, k: Math.max(parsed.output.k, settings().minCell) } };
}
