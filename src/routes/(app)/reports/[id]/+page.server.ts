import { error, fail, redirect } from '@sveltejs/kit';
import { requireRole } from '$lib/server/auth/guard';
import { settings } from '$lib/server/config';
import { db } from '$lib/server/context';
import { lockPlan, planVersions } from '$lib/server/plans';
import { listConditions } from '$lib/server/patients';
import { readReport } from '$lib/server/plans/report';
import { reportVersion } from '$lib/validation/plans';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireRole(event, 'clinician', 'researcher', 'admin');
	const version = reportVersion(event.url);
	if (version === null) error(404, { message: 'No such version' });
	// Read from the primary: the page is opened right after a lock.
	const [versions, conditions] = await Promise.all([planVersions(db(), event.params.id), listConditions(db())]);
	if (versions.length === 0 || (version !== undefined && !versions.some((v) => v.version === version))) error(404, { message: 'No such analysis plan' });
	const live = versions.find((v) => v.status !== 'superseded')!;
	const anyLocked = versions.some((v) => v.status !== 'draft');
	const read = anyLocked || version !== undefined ? await readReport(db(), db(), { id: user.id, role: user.role, requestId: event.locals.requestId }, event.params.id, { k: settings().minCell, version, via: 'page' }) : null;
	return {
		planId: event.params.id,
		mayWrite: user.role !== 'clinician',
		saved: event.url.searchParams.has('saved'),
		live: { version: live.version, status: live.status, body: live.body },
		// Conditions by their labels (the plan stores codes).
		conditionLabels: Object.fromEntries(conditions.map((c) => [c.code, c.label])) as Record<string, string>,
		versions: versions.map((v) => ({
			version: v.version,
			status: v.status,
			title: v.body.title,
			sha256: v.sha256,
			lockedAt: v.lockedAt?.toISOString() ?? null,
			lockedBy: v.lockedBy,
			followupsAtLock: v.followupsAtLock,
			reason: v.supersededReason
		})),
		report: read?.ok
			? {
					report: read.report,
					plan: read.plan,
					shown: read.version.version,
					references: read.references.map((r) => ({ citation: r.citation, population: r.population, instrument: r.instrumentId, scale: r.scale, measure: r.measure === 'smd' ? 'SMD' : 'mean change', effect: r.effect, ci_low: r.ciLow, ci_high: r.ciHigh }))
				}
			: null,
		reportRefused: read && !read.ok ? read.message : null
	};
};

export const actions: Actions = {
	lock: async (event) => {
		const user = requireRole(event, 'researcher', 'admin');
		const data = await event.request.formData();
		if (data.get('confirm') !== 'yes') return fail(400, { errors: { confirm: 'Tick the box to confirm: a locked plan cannot be changed, only superseded by a new version with a reason.' } });
		const locked = await lockPlan(db(), { id: user.id, requestId: event.locals.requestId }, event.params.id);
		if (!locked.ok) {
			if (locked.status === 404) error(404, { message: 'No such analysis plan' });
			return fail(409, { errors: { confirm: locked.message } });
		}
		redirect(303, `/reports/${event.params.id}?locked=1`);
	}
};
