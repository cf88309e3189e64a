import { json } from '@sveltejs/kit';
import { sql } from 'drizzle-orm';
import { database } from '$lib/server/db';
import type { RequestHandler } from './$types';

// Public on purpose (load balancers call it); it says nothing but up or down.
export const GET: RequestHandler = async () => {
	try {
		await database().db.execute(sql`select 1`);
		return json({ status: 'ok' }, { headers: { 'Cache-Control': 'no-store' } });
	} catch {
		return json({ status: 'unavailable' }, { status: 503, headers: { 'Cache-Control': 'no-store' } });
	}
};
