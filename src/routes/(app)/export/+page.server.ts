import { requireRole } from '$lib/server/auth/guard';
import { settings } from '$lib/server/config';
import { db, readDb } from '$lib/server/context';
import { planExport } from '$lib/server/export';
import { auditExportAttempt } from '$lib/server/export/audit';
import { firstEnrolment, listConditions } from '$lib/server/patients';
import { readOptions } from '$lib/server/export/options';
import { mayFilterByDay, quarterChoices } from '$lib/privacy/periods';
import { today } from '$lib/validation/clinical';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireRole(event, 'clinician', 'researcher', 'admin');
	const actor = { id: user.id, requestId: event.locals.requestId };
	const dayPrecise = mayFilterByDay(user.role);
	const [all, first] = await Promise.all([listConditions(readDb(), true), dayPrecise ? null : firstEnrolment(readDb())]);
	const conditions = all.map((c) => ({ code: c.code, label: c.label }));
	const minK = settings().minCell;
	const period = { dayPrecise, quarters: dayPrecise ? [] : quarterChoices(first, today()), errors: {} as { from?: string; to?: string } };
	if (!event.url.searchParams.has('instruments')) return { conditions, minK, period, preview: null, errors: [] as string[] };
	const read = readOptions(event.url, user.role);
	if (!read.ok) {
		// A refused period is audited (an attempt), and shown at its fields rather than above the form.
		if (read.refused) await auditExportAttempt(db(), actor, 'refused', read.refused, { refused: read.fields });
		return { conditions, minK, period: { ...period, errors: read.fields }, preview: null, errors: read.refused ? [] : read.errors };
	}
	const plan = await planExport(readDb(), read.options);
	const preview = {
		k: read.options.k,
		patients: plan.patients,
		rows: plan.rows,
		suppressedPatients: plan.suppressedPatients,
		generalisedPatients: plan.generalisedPatients,
		smallestGroup: plan.smallestGroup
	};
	await auditExportAttempt(db(), actor, 'preview', read.options, preview);
	return { conditions, minK, period, errors: [] as string[], preview: { ...preview, columns: plan.columns } };
};
