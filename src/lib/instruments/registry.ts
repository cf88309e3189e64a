/**
 * The instrument registry without the scoring engine: what pages need to list, label and chart
 * instruments, built from the Questionnaire files. Light enough for every page; the engine
 * (FHIRPath) is loaded only where a score is computed (index.ts on the server, lazily in the form).
 */
import { readDefinition } from './definition';
import { BUILT_IN } from './definitions';
import type { InstrumentDef } from './types';

export type * from './types';
export { roundHalfUp } from './rounding';

export const INSTRUMENTS: readonly InstrumentDef[] = BUILT_IN.map((q) => readDefinition(q).def);

const byId = new Map(INSTRUMENTS.map((d) => [d.id, d]));

export function getInstrument(id: string): InstrumentDef | undefined {
	return byId.get(id);
}

/** The source's category band for a score, where the source defines bands. */
export function categoryFor(instrumentId: string, scale: string, value: number): string | null {
	const bands = byId.get(instrumentId)?.categories?.[scale];
	if (!bands) return null;
	for (const [i, band] of bands.entries()) {
		const last = i === bands.length - 1;
		if (value >= band.min && (value < band.max || (last && value <= band.max))) return band.label;
	}
	return null;
}
