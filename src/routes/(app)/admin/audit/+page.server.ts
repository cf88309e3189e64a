import { isUuid } from '$lib/validation/ids';
import { requireRole } from '$lib/server/auth/guard';
import { searchAudit, verifyAuditChain } from '$lib/server/audit';
import { db } from '$lib/server/context';
import { listUsers } from '$lib/server/users';
import type { Actions, PageServerLoad } from './$types';

const PAGE = 50;
const isDate = (s: string | null) => (s && /^\d{4}-\d{2}-\d{2}$/.test(s) ? s : undefined);
const uuidOrNothing = (s: string | null) => (isUuid(s) ? s : undefined);
const isWord = (s: string | null) => (s && /^[a-z_]{1,40}$/.test(s) ? s : undefined);

export const load: PageServerLoad = async (event) => {
	requireRole(event, 'admin');
	const p = event.url.searchParams;
	const filter = {
		actorId: uuidOrNothing(p.get('actor')),
		entity: isWord(p.get('entity')),
		action: isWord(p.get('action')),
		from: isDate(p.get('from')),
		to: isDate(p.get('to')),
		before: Number.parseInt(p.get('before') ?? '', 10) || undefined
	};
	const [rows, users] = await Promise.all([searchAudit(db(), filter, PAGE + 1), listUsers(db())]);
	return {
		filter: { actor: filter.actorId ?? '', entity: filter.entity ?? '', action: filter.action ?? '', from: filter.from ?? '', to: filter.to ?? '' },
		rows: rows.slice(0, PAGE).map((r) => ({ ...r, at: r.at.toISOString() })),
		nextBefore: rows.length > PAGE ? rows[PAGE - 1]!.id : null,
		users: users.map((u) => ({ id: u.id, email: u.email }))
	};
};

export const actions: Actions = {
	verify: async (event) => {
		requireRole(event, 'admin');
		return { report: await verifyAuditChain(db()) };
	}
};
