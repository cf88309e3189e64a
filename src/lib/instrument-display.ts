/** Display helpers over the instrument registry (names, scale labels, rounded scores). */
import { categoryFor, getInstrument, roundHalfUp } from './instruments/registry';

export function instrumentName(id: string): string {
	return getInstrument(id)?.shortName ?? id;
}

/** A scale named for a list of outcomes: the instrument alone when it has one scale. */
export function outcomeLabel(id: string, scale: string): string {
	const def = getInstrument(id);
	const s = def?.scales.find((x) => x.key === scale);
	if (!def || !s) return `${id} ${scale}`;
	return def.scales.length > 1 ? `${def.shortName} ${s.label}` : def.shortName;
}

export function scaleLabel(id: string, scale: string): string {
	return getInstrument(id)?.scales.find((s) => s.key === scale)?.label ?? scale;
}

/** Rounded half-up to the scale's display decimals, with its category band where one exists. */
export function formatScore(id: string, scale: string, value: number | null | undefined): string {
	if (value === null || value === undefined) return 'not scorable';
	const def = getInstrument(id)?.scales.find((s) => s.key === scale);
	const shown = def ? roundHalfUp(value, def.decimals).toFixed(def.decimals) : String(value);
	const band = categoryFor(id, scale, value);
	return band ? `${shown} (${band})` : shown;
}
