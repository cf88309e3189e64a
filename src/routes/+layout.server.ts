import { db } from '$lib/server/context';
import { settings } from '$lib/server/config';
import { ALERT_LABELS, openSafetyAlerts, unacknowledgedSerious } from '$lib/server/safety';
import { clientInstrumentSet } from '$lib/server/instruments/installed';
import type { LayoutServerLoad } from './$types';

// For the menu, the serious adverse events awaiting an admin's acknowledgement and the open safety
// alerts (both shown to clinicians and admins on every page). Every page checks the role itself.
export const load: LayoutServerLoad = async ({ locals, url }) => {
	const user = locals.user;
	// A patient's pages (a tablet in patient mode, a one-time link): the clinic's name, no menu.
	if (locals.kiosk || url.pathname.startsWith('/r/')) return { user: null, instrumentSet: clientInstrumentSet(), seriousNotice: null, alertNotice: null, patientPage: { clinicName: settings().clinicName } };
	// Reading the path makes this run on every navigation, so a notice appears without a reload.
	void url.pathname;
	const seesNotices = user?.role === 'clinician' || user?.role === 'admin';
	const [serious, alerts] = seesNotices ? await Promise.all([unacknowledgedSerious(db()), openSafetyAlerts(db())]) : [null, null];
	return {
		user: user ? { name: user.name, role: user.role } : null,
		// The instruments that differ from the files the browser has bundled (usually none).
		instrumentSet: user ? clientInstrumentSet() : { questionnaires: [], inactive: [] },
		seriousNotice: serious && serious.total > 0 ? { total: serious.total, events: serious.events } : null,
		// Open safety alerts (PHQ-9 item 9 above 0), until a clinician or admin acknowledges each.
		alertNotice:
			alerts && alerts.total > 0
				? {
						total: alerts.total,
						alerts: alerts.alerts.map((a) => ({ id: a.id, href: `/patients/${a.patientId}/visits/${a.visitId}#safety-alerts`, clinicRef: a.clinicRef, visitDate: a.visitDate, label: ALERT_LABELS[a.kind] ?? a.kind }))
					}
				: null,
		patientPage: null
	};
};
