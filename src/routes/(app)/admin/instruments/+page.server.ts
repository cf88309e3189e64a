import { fail } from '@sveltejs/kit';
import { requireRole } from '$lib/server/auth/guard';
import { db } from '$lib/server/context';
import { activateDefinition, deactivateInstrument, listDefinitions, uploadDefinition } from '$lib/server/instruments/store';
import { rescoreDryRun, rescoreInstrument } from '$lib/server/instruments/rescore';
import { LIMITS } from '$lib/instruments/structure';
import type { Verification } from '$lib/instruments/verify';
import * as v from 'valibot';
import { formValues } from '$lib/validation/form';
import { ReasonSchema } from '$lib/validation/clinical';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	requireRole(event, 'admin');
	return { definitions: await listDefinitions(db()) };
};

/** What the page shows of a check: the problems with their place, each example beside its expected values. */
const report = (v: Verification | undefined) =>
	v ? { problems: v.problems.slice(0, 50), examples: v.examples.map((e) => ({ name: e.name, pass: e.pass, detail: e.detail })) } : null;

const ID = /^[a-z0-9_]{1,40}$/;
const VERSION = /^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/;

export const actions: Actions = {
	upload: async (event) => {
		const admin = requireRole(event, 'admin');
		const data = await event.request.formData();
		const values = formValues(data, ['definition']);
		const file = data.get('file');
		let text = values.definition;
		if (file instanceof File && file.size > 0) {
			if (file.size > LIMITS.definitionChars) return fail(400, { values, errors: { file: `The file is larger than ${LIMITS.definitionChars / 1000} KB.` }, check: null });
			text = await file.text();
		}
		const field = file instanceof File && file.size > 0 ? 'file' : 'definition';
		if (text.trim() === '') return fail(400, { values, errors: { definition: 'Choose a file or paste a definition (FHIR Questionnaire JSON).' }, check: null });
		// The pasted text is echoed back; a file's is not (its name is enough to choose it again).
		const result = await uploadDefinition(db(), { id: admin.id, requestId: event.locals.requestId }, text);
		if (!result.ok) return fail(400, { values, errors: { [field]: result.message }, check: report(result.verification) });
		return { uploaded: { instrumentId: result.instrumentId, version: result.version, stored: result.stored }, check: report(result.verification) };
	},
	activate: async (event) => {
		const admin = requireRole(event, 'admin');
		const values = formValues(await event.request.formData(), ['instrumentId', 'version']);
		if (!ID.test(values.instrumentId) || !VERSION.test(values.version)) return fail(400, { values, errors: { activate: 'No such definition version.' }, check: null });
		const result = await activateDefinition(db(), { id: admin.id, requestId: event.locals.requestId }, values.instrumentId, values.version);
		if (!result.ok) return fail(400, { values, errors: { activate: result.message }, check: report(result.verification) });
		return { activated: { instrumentId: values.instrumentId, version: values.version } };
	},
	deactivate: async (event) => {
		const admin = requireRole(event, 'admin');
		const values = formValues(await event.request.formData(), ['instrumentId']);
		if (!ID.test(values.instrumentId)) return fail(400, { values, errors: { deactivate: 'No such instrument.' }, check: null });
		const result = await deactivateInstrument(db(), { id: admin.id, requestId: event.locals.requestId }, values.instrumentId);
		if (!result.ok) return fail(400, { values, errors: { deactivate: result.message }, check: null });
		return { deactivated: values.instrumentId };
	},
	rescorePreview: async (event) => {
		requireRole(event, 'admin');
		const values = formValues(await event.request.formData(), ['instrumentId']);
		if (!ID.test(values.instrumentId)) return fail(400, { values, errors: { rescore: 'No such instrument.' }, check: null });
		const plan = await rescoreDryRun(db(), values.instrumentId);
		if ('error' in plan) return fail(400, { values, errors: { rescore: plan.error }, check: null });
		return { preview: plan };
	},
	rescore: async (event) => {
		const admin = requireRole(event, 'admin');
		const values = formValues(await event.request.formData(), ['instrumentId', 'reason']);
		if (!ID.test(values.instrumentId)) return fail(400, { values, errors: { rescore: 'No such instrument.' }, check: null });
		const parsed = v.safeParse(ReasonSchema, values.reason);
		if (!parsed.success) {
			const plan = await rescoreDryRun(db(), values.instrumentId);
			return fail(400, { values, errors: { reason: parsed.issues[0].message }, check: null, preview: 'error' in plan ? null : plan });
		}
		const reason = parsed.output;
		const done = await rescoreInstrument(db(), { id: admin.id, requestId: event.locals.requestId }, values.instrumentId, reason);
		if ('error' in done) return fail(400, { values, errors: { rescore: done.error }, check: null });
		return { rescored: done };
	}
};
