/** Turns valibot issues into one message per field, for `fail(400, { values, errors })`. */
import * as v from 'valibot';

export type FieldErrors = Record<string, string>;

export function fieldErrors(issues: v.BaseIssue<unknown>[]): FieldErrors {
	const errors: FieldErrors = {};
	for (const issue of issues) {
		const key = v.getDotPath(issue) ?? 'form';
		errors[key] ??= issue.message;
	}
	return errors;
}

/**
 * Form fields as strings (files and repeated keys are not used by these forms). NUL characters
 * are dropped: no one types them, and PostgreSQL text cannot hold them.
 */
export function formValues<K extends string>(data: FormData, names: readonly K[]): Record<K, string> {
	const values = {} as Record<K, string>;
	for (const name of names) {
		const value = data.get(name);
		values[name] = typeof value === 'string' ? value.replaceAll('\0', '') : '';
	}
	return values;
}
