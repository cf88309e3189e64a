/** Checks a form's answers against the items' options and ranges, all errors at once; never clamps. */
import type { AnswerOption } from './fhir';
import type { ItemError } from './types';

export interface AnswerSpec {
	linkId: string;
	type: string;
	required: boolean;
	min?: number;
	max?: number;
	maxDecimalPlaces?: number;
	options: { number: number; option: AnswerOption }[];
}

// On the grid = no more decimals than allowed. A tolerance on value / step let 5.00000001 through as
// a whole number, which a lookup then read as nothing.
function decimalsWithin(value: number, places: number): boolean {
	return Number(value.toFixed(places)) === value;
}

function describe(spec: AnswerSpec): string {
	if (spec.options.length > 0) return `one of ${spec.options.map((o) => o.number).join(', ')}`;
	const range = spec.min !== undefined && spec.max !== undefined ? ` from ${spec.min} to ${spec.max}` : spec.min !== undefined ? ` of at least ${spec.min}` : spec.max !== undefined ? ` of at most ${spec.max}` : '';
	if (spec.type === 'integer') return `a whole number${range}`;
	const places = spec.maxDecimalPlaces;
	return places === undefined ? `a number${range}` : `a number${range} with at most ${places} decimal${places === 1 ? '' : 's'}`;
}

function valid(spec: AnswerSpec, raw: number): boolean {
	if (spec.options.length > 0) return spec.options.some((o) => o.number === raw);
	if (spec.min !== undefined && raw < spec.min) return false;
	if (spec.max !== undefined && raw > spec.max) return false;
	if (spec.type === 'integer') return Number.isInteger(raw);
	return spec.maxDecimalPlaces === undefined || decimalsWithin(raw, spec.maxDecimalPlaces);
}

export function checkAnswerValues(
	answerable: Map<string, AnswerSpec>,
	calculated: Set<string>,
	answers: Record<string, unknown>,
	labelOf: (linkId: string) => string
): { ok: true; values: Map<string, number> } | { ok: false; errors: ItemError[] } {
	const errors: ItemError[] = [];
	for (const key of Object.keys(answers)) {
		if (answerable.has(key)) continue;
		const value = answers[key];
		if (calculated.has(key)) {
			// A calculated item is the engine's to fill; a sent value is ignored only when empty.
			if (value !== null && value !== undefined) errors.push({ item: key, message: `${labelOf(key)} is calculated, not answered.` });
		} else errors.push({ item: key, message: `Unknown item “${key}”.` });
	}
	const values = new Map<string, number>();
	for (const spec of answerable.values()) {
		const raw = Object.hasOwn(answers, spec.linkId) ? answers[spec.linkId] : undefined;
		if (raw === null || raw === undefined) continue;
		if (typeof raw !== 'number' || !Number.isFinite(raw) || !valid(spec, raw)) {
			errors.push({ item: spec.linkId, message: `${labelOf(spec.linkId)}: enter ${describe(spec)}.` });
			continue;
		}
		values.set(spec.linkId, raw);
	}
	if (errors.length > 0) return { ok: false, errors };
	const missing = [...answerable.values()].filter((s) => s.required && !values.has(s.linkId));
	if (missing.length > 0) return { ok: false, errors: missing.map((s) => ({ item: s.linkId, message: `${labelOf(s.linkId)}: answer missing (required).` })) };
	return { ok: true, values };
}
