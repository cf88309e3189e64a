import { json } from '@sveltejs/kit';
import { requireUser } from '$lib/server/auth/guard';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = (event) => {
	const user = requireUser(event);
	return json({ name: user.name, email: user.email, role: user.role });
};
