import { error, redirect } from '@sveltejs/kit';
import { requireRole } from '$lib/server/auth/guard';
import { db } from '$lib/server/context';
import { invalid } from '$lib/server/form';
import { listConditions } from '$lib/server/patients';
import { saveSchedule, scheduleVersions } from '$lib/server/schedule';
import { INSTRUMENTS } from '$lib/instruments/registry';
import { parseScheduleForm, scheduleFormValues } from '$lib/validation/schedule';
import type { Actions, PageServerLoad } from './$types';

const CODE = /^[a-z][a-z0-9_]{0,39}$/;

async function conditionOf(code: string) {
	if (!CODE.test(code)) error(404, { message: 'No such condition' });
	const condition = (await listConditions(db(), true)).find((c) => c.code === code);
	if (!condition) error(404, { message: 'No such condition' });
	return condition;
}

export const load: PageServerLoad = async (event) => {
	requireRole(event, 'admin');
	const condition = await conditionOf(event.params.code);
	const versions = await scheduleVersions(db(), condition.code);
	return {
		condition: { code: condition.code, label: condition.label },
		current: versions[0] ? { version: versions[0].version, windowWeeks: versions[0].windowWeeks, repeatEveryWeeks: versions[0].repeatEveryWeeks, points: versions[0].points } : null,
		versions: versions.map((v) => ({ version: v.version, windowWeeks: v.windowWeeks, repeatEveryWeeks: v.repeatEveryWeeks, points: v.points, createdAt: v.createdAt.toISOString(), createdBy: v.createdBy }))
	};
};

export const actions: Actions = {
	default: async (event) => {
		const admin = requireRole(event, 'admin');
		if (!CODE.test(event.params.code)) error(404, { message: 'No such condition' });
		const data = await event.request.formData();
		const values = scheduleFormValues(data);
		const echo = { windowWeeks: values.windowWeeks, repeatEveryWeeks: values.repeatEveryWeeks, rows: JSON.stringify(values.rows) };
		const parsed = parseScheduleForm(values, new Set(INSTRUMENTS.map((i) => i.id)));
		if (!parsed.ok) return invalid(echo, parsed.errors);
		const result = await saveSchedule(db(), { id: admin.id, requestId: event.locals.requestId }, event.params.code, Number(data.get('version')) || 0, parsed.schedule);
		if (!result.ok) {
			if (result.field === 'condition') error(404, { message: 'No such condition' });
			return invalid(echo, { [result.field]: result.message }, result.field === 'form' ? 409 : 400);
		}
		redirect(303, '/admin/schedules');
	}
};
