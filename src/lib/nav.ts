/** The menu per role. Showing a link grants nothing: each page checks the role itself. */
export type RoleName = 'admin' | 'clinician' | 'researcher';

export interface NavLink {
	href: string;
	label: string;
	roles: readonly RoleName[];
}

export const NAV: readonly NavLink[] = [
	{ href: '/patients', label: 'Patients', roles: ['clinician', 'admin'] },
	{ href: '/due', label: 'Due', roles: ['clinician', 'admin'] },
	{ href: '/cohort', label: 'Cohort trends', roles: ['clinician', 'researcher', 'admin'] },
	{ href: '/reports', label: 'Evidence reports', roles: ['clinician', 'researcher', 'admin'] },
	{ href: '/safety', label: 'Safety', roles: ['clinician', 'researcher', 'admin'] },
	{ href: '/completion', label: 'Completeness', roles: ['clinician', 'researcher', 'admin'] },
	{ href: '/export', label: 'Export', roles: ['clinician', 'researcher', 'admin'] },
	{ href: '/admin/users', label: 'Users', roles: ['admin'] },
	{ href: '/admin/conditions', label: 'Conditions', roles: ['admin'] },
	{ href: '/admin/schedules', label: 'Schedules', roles: ['admin'] },
	{ href: '/admin/ae-categories', label: 'Event categories', roles: ['admin'] },
	{ href: '/admin/instruments', label: 'Instruments', roles: ['admin'] },
	{ href: '/admin/reference-effects', label: 'Published effects', roles: ['admin'] },
	{ href: '/admin/security', label: 'Security', roles: ['admin'] },
	{ href: '/admin/audit', label: 'Audit log', roles: ['admin'] }
];

export function navFor(role: RoleName): NavLink[] {
	return NAV.filter((link) => link.roles.includes(role));
}
