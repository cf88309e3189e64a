import { json } from '@sveltejs/kit';
import * as v from 'valibot';
import { requireRole } from '$lib/server/auth/guard';
import { cohortTrend } from '$lib/server/cohort';
import { settings } from '$lib/server/config';
import { readDb } from '$lib/server/context';
import { paramsFromUrl, TrendQuerySchema } from '$lib/validation/cohort';
import type { RequestHandler } from './$types';

// GET /api/cohort/trend?instrument=fss9&scale=mean&axis=visit|week&bucket=2&measure=score|change&conditions=a,b
export const GET: RequestHandler = async (event) => {
	requireRole(event, 'clinician', 'researcher', 'admin');
	const parsed = v.safeParse(TrendQuerySchema, paramsFromUrl(event.url));
	if (!parsed.success) {
		return json({ message: parsed.issues.map((i) => i.message).join(' ') }, { status: 400 });
	}
	const q = parsed.output;
	const trend = await cohortTrend(
		readDb(),
		{ instrument: q.instrument, scale: q.scale, axis: q.axis, bucket: q.bucket, measure: q.measure, conditions: q.conditions, enrolledFrom: q.from, enrolledTo: q.to },
		settings().minCell
	);
	return json({
		k: trend.k,
		series: trend.series.map(({ condition, points }) => ({ condition, points })),
		responders: trend.responders
	});
};
