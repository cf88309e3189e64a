import { redirect } from '@sveltejs/kit';
import * as v from 'valibot';
import { getInstrument } from '$lib/instruments';
import { requireRole } from '$lib/server/auth/guard';
import { cohortTrend } from '$lib/server/cohort';
import { settings } from '$lib/server/config';
import { readDb } from '$lib/server/context';
import { listConditions } from '$lib/server/patients';
import { paramsFromUrl, TrendQuerySchema } from '$lib/validation/cohort';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	requireRole(event, 'clinician', 'researcher', 'admin');
	const conditions = (await listConditions(readDb())).map((c) => ({ code: c.code, label: c.label }));
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
	const parsed = v.safeParse(TrendQuerySchema, raw);
	const statistic = event.url.searchParams.get('statistic') === 'median' ? 'median' : 'mean';
	if (!parsed.success) {
		return { conditions, statistic, error: parsed.issues.map((i) => i.message).join(' '), query: null, trend: null };
	}
	const q = parsed.output;
	const trend = await cohortTrend(
		readDb(),
		{ instrument: q.instrument, scale: q.scale, axis: q.axis, bucket: q.bucket, measure: q.measure, conditions: q.conditions, enrolledFrom: q.from, enrolledTo: q.to },
		settings().minCell
	);
	return { conditions, statistic, error: null, query: q, trend };
};
