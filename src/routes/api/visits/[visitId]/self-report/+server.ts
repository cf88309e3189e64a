import { json } from '@sveltejs/kit';
import * as v from 'valibot';
import { requireRole } from '$lib/server/auth/guard';
import { db } from '$lib/server/context';
import { createSelfReport, DEFAULT_LINK_HOURS, MAX_LINK_HOURS } from '$lib/server/selfreport';
import type { RequestHandler } from './$types';

const Body = v.object({
	instruments: v.pipe(v.array(v.pipe(v.string(), v.maxLength(40))), v.minLength(1, 'instruments: at least one instrument id'), v.maxLength(20, 'instruments: at most 20')),
	hours: v.optional(v.pipe(v.number('hours: a whole number'), v.integer('hours: a whole number'), v.minValue(1, 'hours: at least 1'), v.maxValue(MAX_LINK_HOURS, `hours: at most ${MAX_LINK_HOURS}`)))
});

// POST /api/visits/<visitId>/self-report {instruments: [id…], hours?} → 201 {id, url, expires_at}:
// a one-time link for the patient, for clinics that send it by their own SMS or e-mail service.
export const POST: RequestHandler = async (event) => {
	const user = requireRole(event, 'clinician', 'admin');
	let body: unknown;
	try {
		body = await event.request.json();
	} catch {
		return json({ message: 'The body must be JSON: {"instruments": ["…"], "hours": 72}' }, { status: 400 });
	}
	const parsed = v.safeParse(Body, body);
	if (!parsed.success) return json({ message: parsed.issues.map((i) => i.message).join(' ') }, { status: 400 });
	const made = await createSelfReport(db(), { id: user.id, requestId: event.locals.requestId }, event.params.visitId, 'link', parsed.output.instruments, parsed.output.hours ?? DEFAULT_LINK_HOURS);
	if (!made.ok) return json({ message: made.message, field: made.field }, { status: made.status });
	return json({ id: made.id, url: `${event.url.origin}/r/${made.token}`, expires_at: made.expiresAt.toISOString() }, { status: 201, headers: { 'Cache-Control': 'no-store' } });
};
