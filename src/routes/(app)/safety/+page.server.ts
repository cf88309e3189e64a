import * as v from 'valibot';
import { requireRole } from '$lib/server/auth/guard';
import { settings } from '$lib/server/config';
import { readDb } from '$lib/server/context';
import { exportSecret } from '$lib/server/export/secret';
import { pseudonymiser } from '$lib/server/export';
import { listConditions } from '$lib/server/patients';
import { ALERT_LABELS, listAeCategories, openSafetyAlerts, safetyBreakdown, safetyFigures, seriousEvents } from '$lib/server/safety';
import { isSuppressed } from '$lib/safety/figures';
import { SafetyQuerySchema, safetyParams } from '$lib/validation/safety';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireRole(event, 'clinician', 'researcher', 'admin');
	const [conditions, categories] = await Promise.all([listConditions(readDb()), listAeCategories(readDb(), true)]);
	const parsed = v.safeParse(SafetyQuerySchema, safetyParams(event.url));
	// Open safety alerts name the patient: clinicians and admins only, never researchers.
	const open = user.role === 'researcher' ? null : await openSafetyAlerts(readDb(), 50);
	const alerts = open
		? { total: open.total, list: open.alerts.map((a) => ({ id: a.id, clinicRef: a.clinicRef, visitDate: a.visitDate, label: ALERT_LABELS[a.kind] ?? a.kind, value: a.value, href: `/patients/${a.patientId}/visits/${a.visitId}#safety-alerts` })) }
		: null;
	const base = { alerts, conditions: conditions.map((c) => ({ code: c.code, label: c.label })), categories: categories.map((c) => ({ code: c.code, label: c.label })) };
	if (!parsed.success) return { ...base, error: parsed.issues.map((i) => i.message).join(' '), chosen: [] as string[], figures: null, breakdown: [], serious: [] };
	const q = { conditions: parsed.output.conditions };
	const [figures, breakdown, serious] = await Promise.all([safetyFigures(readDb(), q, settings().minCell), safetyBreakdown(readDb(), q), seriousEvents(readDb(), q)]);
	// Only the groups shown: a withheld group's breakdown or events would undo the withholding.
	const shown = new Set(figures.groups.filter((g) => !isSuppressed(g)).map((g) => g.condition));
	const pseudonym = pseudonymiser('stable', exportSecret());
	// Clinicians and admins may open the event; researchers see the pseudonym and days only.
	const clinical = user.role !== 'researcher';
	return {
		...base,
		error: null,
		chosen: q.conditions as string[],
		figures,
		breakdown: breakdown.filter((b) => shown.has(b.condition)),
		serious: serious
			.filter((s) => shown.has(s.condition))
			.map((s) => ({
				key: s.eventId,
				pseudonym: pseudonym(s.patientId).slice(0, 12),
				condition: s.condition,
				daysSinceBaseline: s.daysSinceBaseline,
				category: s.category,
				severity: s.severity,
				relatedness: s.relatedness,
				outcome: s.outcome,
				href: clinical ? `/patients/${s.patientId}/adverse-events/${s.eventId}` : null
			}))
	};
};
