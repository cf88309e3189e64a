import { json } from '@sveltejs/kit';
import { sql } from 'drizzle-orm';
import { database } from '$lib/server/db';
import { isDraining } from '$lib/server/lifecycle';
import type { RequestHandler } from './$types';

// A load balancer waits a few seconds at most: an unreachable database (packets dropped, not
// refused) must read as "down" well before the driver's own connect timeout.
const TIMEOUT_MS = 3000;

// Public on purpose (load balancers call it); it says nothing but up or down.
export const GET: RequestHandler = async () => {
	if (isDraining()) return json({ status: 'stopping' }, { status: 503, headers: { 'Cache-Control': 'no-store' } });
	let timer: ReturnType<typeof setTimeout> | undefined;
	const up = await Promise.race([
		database()
			.db.execute(sql`select 1`)
			.then(
				() => true,
				() => false
			),
		new Promise<false>((resolve) => (timer = setTimeout(resolve, TIMEOUT_MS, false)))
	]);
	clearTimeout(timer);
	const headers = { 'Cache-Control': 'no-store' };
	return up ? json({ status: 'ok' }, { headers }) : json({ status: 'unavailable' }, { status: 503, headers: { ...headers, 'Retry-After': '5' } });
};
