/** Building blocks for definitions: item lists, answer checks and missing-item rules. */
import type { Answers, ItemDef, ItemError, ScoreResult } from './types';

export function numberedItems(
	count: number,
	min: number,
	max: number,
	domain: (n: number) => string,
	codes = `${min}–${max}`
): ItemDef[] {
	return Array.from({ length: count }, (_, i) => ({
		key: String(i + 1),
		label: `Item ${i + 1}${domain(i + 1) ? ` · ${domain(i + 1)}` : ''}`,
		min,
		max,
		step: 1,
		codes
	}));
}

// Steps are 1, 0.1, 0.001…: on the grid = no more decimals than the step. A tolerance on value / step
// let 5.00000001 through as a whole number, which RAND-36 and PROMIS then looked up as NaN / undefined.
function onGrid(value: number, step: number): boolean {
	const decimals = Math.max(0, Math.round(-Math.log10(step)));
	return Number(value.toFixed(decimals)) === value;
}

function describe(item: ItemDef): string {
	if (item.step === 1) return `a whole number from ${item.min} to ${item.max}`;
	const decimals = Math.max(0, Math.round(-Math.log10(item.step)));
	return `a number from ${item.min} to ${item.max} with at most ${decimals} decimal${decimals === 1 ? '' : 's'}`;
}

/** Checks every answer (all errors at once); never clamps. Missing = null/undefined/absent. */
export function checkAnswers(items: ItemDef[], answers: Answers): { values: Record<string, number | null>; errors: ItemError[] } {
	const errors: ItemError[] = [];
	const byKey = new Map(items.map((i) => [i.key, i]));
	for (const key of Object.keys(answers)) {
		if (!byKey.has(key)) errors.push({ item: key, message: `Unknown item “${key}”.` });
	}
	const values: Record<string, number | null> = {};
	for (const item of items) {
		const raw = answers[item.key];
		if (raw === null || raw === undefined) {
			values[item.key] = null;
			continue;
		}
		if (typeof raw !== 'number' || !Number.isFinite(raw) || raw < item.min || raw > item.max || !onGrid(raw, item.step)) {
			errors.push({ item: item.key, message: `${item.label}: enter ${describe(item)}.` });
			values[item.key] = null;
			continue;
		}
		values[item.key] = raw;
	}
	return { values, errors };
}

/** The rule for instruments whose manuals publish no proration: every item must be answered. */
export function requireAll(items: ItemDef[], values: Record<string, number | null>): ScoreResult | null {
	const missing = items.filter((i) => values[i.key] === null);
	if (missing.length === 0) return null;
	return {
		ok: false,
		errors: missing.map((i) => ({ item: i.key, message: `${i.label}: answer missing (this instrument is scored only when complete).` }))
	};
}

export const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** Values of the given item keys, all present (callers check completeness first). */
export function pick(values: Record<string, number | null>, keys: (string | number)[]): number[] {
	return keys.map((k) => values[String(k)] as number);
}
