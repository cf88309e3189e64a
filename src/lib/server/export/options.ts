import * as v from 'valibot';
import { settings } from '../config';
import type { Role } from '../db/schema';
import type { ExportOptions } from '.';
import { ExportOptionsSchema, exportInput } from '../../validation/export';
import { mayFilterByDay, periodErrors, periodMessage } from '../../privacy/periods';

export type ReadOptions =
	| { ok: true; options: ExportOptions }
	/** `fields`: the enrolment period's refusals (below admin, whole quarters only), shown at the fields. */
	| { ok: false; errors: string[]; fields: { from?: string; to?: string }; refused?: ExportOptions };

/** Parsed options with k raised to the site minimum and the period checked against the role; or the messages for the user. */
export function readOptions(url: URL, role: Role): ReadOptions {
	const parsed = v.safeParse(ExportOptionsSchema, exportInput(url));
	if (!parsed.success) return { ok: false, errors: [...new Set(parsed.issues.map((i) => i.message))], fields: {} };
	const unrestricted = mayFilterByDay(role);
	const options = { ...parsed.output, k: Math.max(parsed.output.k, settings().minCell), unrestricted };
	const fields = unrestricted ? {} : periodErrors({ from: options.enrolledFrom, to: options.enrolledTo });
	// `refused`: the options asked for, so that the refusal can be audited with them.
	if (fields.from || fields.to) return { ok: false, errors: [periodMessage(fields)], fields, refused: options };
	return { ok: true, options };
}
