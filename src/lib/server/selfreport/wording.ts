/**
 * Item wording for self-report. The app ships no instrument's wording (licences); a clinic that
 * holds one puts the wording in a JSON file named by INSTRUMENT_WORDING_FILE —
 * `{ "<instrument id>": { "<item key>": "the item's text", … }, … }` — read once at first use.
 * Wording written into a definition's own Questionnaire (`item.text`) counts too.
 */
import fs from 'node:fs';
import { getInstrument, INSTRUMENTS, type InstrumentDef } from '../../instruments';
import { selfReportProblem } from '../../selfreport/form';

export type Wording = Record<string, Record<string, string>>;

let loaded: Wording | null = null;

function readWordingFile(): Wording {
	const file = process.env.INSTRUMENT_WORDING_FILE;
	if (!file) return {};
	const parsed: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
	if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`INSTRUMENT_WORDING_FILE (${file}) must hold one object: { "<instrument id>": { "<item key>": "text" } }`);
	const out: Wording = {};
	for (const [id, items] of Object.entries(parsed as Record<string, unknown>)) {
		if (!items || typeof items !== 'object') continue;
		out[id] = Object.fromEntries(Object.entries(items as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1].trim() !== ''));
	}
	return out;
}

/** Tests (and the command line) set the wording directly; null reads the file again. */
export function setWording(wording: Wording | null): void {
	loaded = wording;
}

function wording(): Wording {
	loaded ??= readWordingFile();
	return loaded;
}

/** The definition with the clinic's wording on its items (the built-in definition itself is never changed). */
export function withWording(def: InstrumentDef): InstrumentDef {
	const own = wording()[def.id];
	if (!own) return def;
	return { ...def, items: def.items.map((i) => (own[i.key] ? { ...i, text: own[i.key] } : i)) };
}

/** An instrument with its wording, when it may be offered to a patient; else undefined. */
export function selfReportInstrument(id: string): InstrumentDef | undefined {
	const def = getInstrument(id);
	if (!def) return undefined;
	const full = withWording(def);
	return selfReportProblem(full) === null ? full : undefined;
}

/** Every instrument with whether it can be offered to a patient, and why not. */
export function selfReportChoices(): { id: string; name: string; problem: string | null }[] {
	return INSTRUMENTS.map((d) => ({ id: d.id, name: d.shortName, problem: selfReportProblem(withWording(d)) }));
}
