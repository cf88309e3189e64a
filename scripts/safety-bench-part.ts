/**
 * The benchmark's safety part (issue 19): the figures of `GET /api/safety` computed by the app's
 * function (`safetyFigures`) and by the plain SQL of safety-plain-sql.ts in the same run, checked
 * identical, over HTTP too; and the `/safety` page, in the app (the load's queries) and over HTTP.
 * Every condition (no filter), k = 5, as a researcher (API token) and a clinician (page).
 */
import type { Db } from '../src/lib/server/db';
import { safetyBreakdown, safetyFigures, seriousEvents } from '../src/lib/server/safety';
import { plainSafetyFigures } from './safety-plain-sql';
import { sameNumbers } from './same-numbers';

type Timing = { medianMs: number; minMs: number; maxMs: number };

export async function benchSafety(
	db: Db,
	base: string,
	auth: { apiToken: string; cookie: string },
	timeRuns: (f: () => Promise<unknown>, runs?: number) => Promise<Timing>,
	timePlain: (f: () => Promise<unknown>) => Promise<Timing>,
	log: (s: string) => void
) {
	const k = 5;
	const q = { conditions: [] as string[] };
	log('Safety: the app function and plain SQL…');
	const app = await safetyFigures(db, q, k);
	const plain = await plainSafetyFigures(db, q.conditions, k);
	const identicalNumbers = sameNumbers(app, plain);
	if (!identicalNumbers) log(`Safety numbers DIFFER: ${JSON.stringify({ app, plain })}`);
	const api = async () => {
		const r = await fetch(`${base}/api/safety`, { headers: { authorization: `Bearer ${auth.apiToken}` } });
		if (!r.ok) throw new Error(`/api/safety ${r.status}`);
		return r.json();
	};
	const httpIdenticalNumbers = sameNumbers(await api(), plain);
	if (!httpIdenticalNumbers) log('Safety numbers over HTTP DIFFER from the plain SQL');
	const page = async () => {
		const r = await fetch(`${base}/safety`, { headers: { cookie: auth.cookie } });
		if (r.status !== 200) throw new Error(`/safety ${r.status}`);
		await r.text();
	};
	const overall = 'suppressed' in app.overall ? null : app.overall;
	return {
		query: 'every condition, k = 5',
		data: overall && { sessions: overall.sessions, events: overall.events, per100Sessions: overall.per_100_sessions, patients: overall.patients, patientsWithEvent: overall.patients_with_event, seriousEvents: overall.serious_events, askedRate: overall.asked_rate, stressFlare: app.stress_flare },
		identicalNumbers,
		httpIdenticalNumbers,
		appFunction: await timeRuns(() => safetyFigures(db, q, k)),
		httpEndpoint: await timeRuns(api),
		// The page's own queries (figures, counts by kind, serious events) as its load runs them.
		pageQueries: await timeRuns(() => Promise.all([safetyFigures(db, q, k), safetyBreakdown(db, q), seriousEvents(db, q)])),
		httpPage: await timeRuns(page),
		plainSql: await timePlain(() => plainSafetyFigures(db, q.conditions, k))
	};
}
