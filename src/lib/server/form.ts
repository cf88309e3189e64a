import { fail } from '@sveltejs/kit';
import type { FieldErrors } from '$lib/validation/form';

/** The one shape every form failure has: what the user typed (never passwords) and the messages. */
export function invalid(values: Record<string, string>, errors: FieldErrors, status = 400) {
	return fail(status, { values, errors });
}
