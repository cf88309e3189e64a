import { requireRole } from '$lib/server/auth/guard';
import { settings } from '$lib/server/config';
import { readDb } from '$lib/server/context';
import { planExport } from '$lib/server/export';
import { listConditions } from '$lib/server/patients';
import { readOptions } from '$lib/server/export/options';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	requireRole(event, 'clinician', 'researcher', 'admin');
	const conditions = (await listConditions(readDb(), true)).map((c) => ({ code: c.code, label: c.label }));
	const minK = settings().minCell;
	if (!event.url.searchParams.has('instruments')) return { conditions, minK, preview: null, errors: [] as string[] };
	const read = readOptions(event.url);
	if (!read.ok) return { conditions, minK, preview: null, errors: read.errors };
	const plan = await planExport(readDb(), read.options);
	return {
		conditions,
		minK,
		errors: [] as string[],
		preview: {
			k: read.options.k,
			patients: plan.patients,
			rows: plan.rows,
			suppressedPatients: plan.suppressedPatients,
			generalisedPatients: plan.generalisedPatients,
			smallestGroup: plan.smallestGroup,
			columns: plan.columns
		}
	};
};
