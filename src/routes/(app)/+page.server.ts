import { redirect } from '@sveltejs/kit';
import { requireUser } from '$lib/server/auth/guard';
import { needsSetup } from '$lib/server/context';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	if (await needsSetup()) redirect(303, '/setup');
	const user = requireUser(event);
	return { name: user.name };
};
