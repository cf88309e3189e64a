import { redirect } from '@sveltejs/kit';
import { getInstrument } from '$lib/instruments';
import { requireRole } from '$lib/server/auth/guard';
import { cohortTrend } from '$lib/server/cohort';
import { auditCohortQuery, readTrendRequest } from '$lib/server/cohort/request';
import { settings } from '$lib/server/config';
import { db, readDb } from '$lib/server/context';
import { firstEnrolment, listConditions } from '$lib/server/patients';
import { mayFilterByDay, quarterChoices } from '$lib/privacy/periods';
import { today } from '$lib/validation/clinical';
import { paramsFromUrl } from '$lib/validation/cohort';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireRole(event, 'clinician', 'researcher', 'admin');
	const raw = paramsFromUrl(event.url);
	// A scale that is not the instrument's (the instrument was just switched, and the page left its
	// scale out or kept the old one): show the instrument's first scale, and say so in the address.
	const instrument = getInstrument(raw.instrument ?? 'fss9');
	if (instrument && !instrument.scales.some((s) => s.key === raw.scale)) {
		const url = new URL(event.url);
		url.searchParams.set('instrument', instrument.id);
		url.searchParams.set('scale', instrument.scales[0]!.key);
		redirect(303, `${url.pathname}${url.search}`);
	}
	const request = readTrendRequest(event.url, user.role);
	const dayPrecise = mayFilterByDay(user.role);
	const statistic = event.url.searchParams.get('statistic') === 'median' ? 'median' : 'mean';
	// The audit row is written while the chart is read (from the replica when there is one).
	const [conditions, first, trend] = await Promise.all([
		listConditions(readDb()),
		dayPrecise ? null : firstEnrolment(readDb()),
		request.ok ? cohortTrend(readDb(), request.query, settings().minCell) : null,
		auditCohortQuery(db(), { id: user.id, requestId: event.locals.requestId }, 'page', request)
	]);
	return {
		conditions: conditions.map((c) => ({ code: c.code, label: c.label })),
		statistic,
		// A URL that did not parse: one message. A period refused: its fields say why, and the rest stays chosen.
		error: request.ok || request.params ? null : request.message,
		query: request.params,
		trend,
		period: { dayPrecise, quarters: dayPrecise ? [] : quarterChoices(first, today()), errors: request.ok ? {} : request.fields }
	};
};
