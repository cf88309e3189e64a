/**
 * What a patient sees of an instrument: pure, shared by the server (which builds the view) and the
 * patient pages. An instrument is offered for self-report only when every item has the
 * instrument's own wording, which only a clinic that holds the licence loads (the app ships none),
 * and only when it is answered item by item (a score-only entry has no items to show).
 */
import type { InstrumentDef, ItemDef } from '../instruments/types';

/** Why an instrument cannot be offered to a patient, or null when it can. */
export function selfReportProblem(def: InstrumentDef): string | null {
	if (def.kind !== 'items') return 'recorded as a score, not answered item by item';
	if (def.items.some((i) => !i.text)) return 'no item wording loaded for this clinic (see README, “Self-report”)';
	return null;
}

/** Answer buttons when an item has few whole-number answers (up to 11, as a 0–10 scale); else null: a number field. */
export function choicesFor(item: Pick<ItemDef, 'min' | 'max' | 'step' | 'options'>): number[] | null {
	if (item.options && item.options.length > 0) return [...item.options];
	if (item.step !== 1 || !Number.isInteger(item.min) || !Number.isInteger(item.max)) return null;
	const n = item.max - item.min + 1;
	if (n < 2 || n > 11) return null;
	return Array.from({ length: n }, (_, i) => item.min + i);
}

/** One item as the patient form needs it: the wording, the allowed answers, nothing else. */
export interface PatientItem {
	key: string;
	text: string;
	min: number;
	max: number;
	step: number;
	unit?: string;
	choices: number[] | null;
}

export interface PatientForm {
	instrumentId: string;
	/** The instrument's name as the clinic knows it (e.g. "WHO-5"). */
	name: string;
	items: PatientItem[];
}

export function patientForm(def: InstrumentDef): PatientForm {
	return {
		instrumentId: def.id,
		name: def.shortName,
		items: def.items.map((i) => ({ key: i.key, text: i.text ?? '', min: i.min, max: i.max, step: i.step, ...(i.unit ? { unit: i.unit } : {}), choices: choicesFor(i) }))
	};
}

/** Screens of the patient form: one item each, numbered across all forms, for the progress bar. */
export function steps(forms: PatientForm[]): { form: number; item: number }[] {
	return forms.flatMap((f, form) => f.items.map((_, item) => ({ form, item })));
}
