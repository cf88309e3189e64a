/** The patient pages' view of a self-report, and its answers read back from the posted form. */
import { patientForm, type PatientForm } from '../../selfreport/form';
import { answersFromForm } from '../../validation/answers';
import type { ResponseInput } from '../visits';
import type { OpenSelfReport } from './links';
import { selfReportInstrument } from './wording';

/** The forms with their wording, in the order the clinician chose them. */
export function patientForms(open: Pick<OpenSelfReport, 'instruments'>): PatientForm[] {
	return open.instruments.flatMap((id) => {
		const def = selfReportInstrument(id);
		return def ? [patientForm(def)] : [];
	});
}

export function submittedAnswers(data: FormData, open: Pick<OpenSelfReport, 'instruments'>): ResponseInput[] {
	return answersFromForm(data, open.instruments, (id) => selfReportInstrument(id)?.items.map((i) => i.key));
}

/** A plain message for the patient per item, naming the question by its number in the form. */
export function patientErrors(errors: Record<string, { item?: string; message: string }[]>): Record<string, { item?: string; message: string }[]> {
	const out: Record<string, { item?: string; message: string }[]> = {};
	for (const [id, list] of Object.entries(errors)) {
		const keys = selfReportInstrument(id)?.items.map((i) => i.key) ?? [];
		out[id] = list.map((e) => {
			const n = e.item === undefined ? 0 : keys.indexOf(e.item) + 1;
			if (n === 0) return { message: /missing|answer/i.test(e.message) ? 'Some questions of this form still need an answer.' : 'This form could not be accepted as it is; please check the answers.' };
			return { item: e.item, message: /missing|required|answer/i.test(e.message) ? `Question ${n} still needs an answer.` : `Question ${n}: please choose one of the answers offered.` };
		});
	}
	return out;
}
