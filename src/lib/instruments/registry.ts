/**
 * The instrument registry without the scoring engine: what pages need to list, label and chart
 * instruments. Light enough for every page; the engine (FHIRPath) is loaded only where a score is
 * computed (index.ts on the server, lazily in the form).
 *
 * It starts with the built-in Questionnaire files, bundled. The clinic's stored set (uploaded
 * instruments, newer versions, deactivations) is installed over them: on the server from the
 * database (src/lib/server/instruments/installed.ts), in the browser from the root layout's data,
 * which carries only what differs from the bundled files.
 */
import { readDefinition } from './definition';
import { BUILT_IN } from './definitions';
import type { Questionnaire } from './fhir';
import type { InstrumentDef } from './types';

export type * from './types';
export { roundHalfUp } from './rounding';

/** What differs from the bundled files: the version in use of each such instrument, and the ids hidden from new entries. */
export interface InstrumentSet {
	questionnaires: Questionnaire[];
	inactive: string[];
}

const BUNDLED: readonly InstrumentDef[] = BUILT_IN.map((q) => readDefinition(q).def);

/** Every instrument the app knows (those hidden from new entries too), built-ins first. */
export let INSTRUMENTS: readonly InstrumentDef[] = BUNDLED;
let byId = new Map(INSTRUMENTS.map((d) => [d.id, d]));
let inactive = new Set<string>();
const readCache = new Map<Questionnaire, InstrumentDef>();

/** Replaces the installed set; the bundled files stand wherever the set says nothing. */
export function installInstruments(set: InstrumentSet): void {
	const over = new Map<string, InstrumentDef>();
	for (const q of set.questionnaires) {
		let def = readCache.get(q);
		if (!def) {
			def = readDefinition(q).def;
			readCache.set(q, def);
		}
		over.set(def.id, def);
	}
	const bundledIds = new Set(BUNDLED.map((d) => d.id));
	const added = [...over.values()].filter((d) => !bundledIds.has(d.id)).sort((a, b) => a.shortName.localeCompare(b.shortName));
	INSTRUMENTS = [...BUNDLED.map((d) => over.get(d.id) ?? d), ...added];
	byId = new Map(INSTRUMENTS.map((d) => [d.id, d]));
	inactive = new Set(set.inactive);
	// Only the definitions in use stay cached.
	for (const q of readCache.keys()) if (!set.questionnaires.includes(q)) readCache.delete(q);
}

export function getInstrument(id: string): InstrumentDef | undefined {
	return byId.get(id);
}

/** Whether new entries may use the instrument (a deactivated one keeps its stored data). */
export function isActive(id: string): boolean {
	return byId.has(id) && !inactive.has(id);
}

/** The instruments new entries may use. */
export function activeInstruments(): InstrumentDef[] {
	return INSTRUMENTS.filter((d) => !inactive.has(d.id));
}

/** The bundled built-in instruments, as shipped: the same list on the server and in the browser, whatever is installed over them. */
export function bundledInstruments(): readonly InstrumentDef[] {
	return BUNDLED;
}

/** The bundled built-in file of an instrument, when there is one. */
export function bundledInstrument(id: string): InstrumentDef | undefined {
	return BUNDLED.find((d) => d.id === id);
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
