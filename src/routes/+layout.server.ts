import type { LayoutServerLoad } from './$types';

// For the menu only: every page checks the role itself.
export const load: LayoutServerLoad = ({ locals }) => ({
	user: locals.user ? { name: locals.user.name, role: locals.user.role } : null
});
