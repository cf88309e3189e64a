/**
 * The benchmark's evidence-report part (issue 20): one plan with 3 secondary outcomes over every
 * condition, computed by the engine (computeReport) and by the plain SQL of report-plain-sql.ts
 * in the same run, with a check that their numbers are identical; over HTTP too when the app has
 * the plan API (`POST /api/plans`, `POST /api/plans/<id>/lock`, `GET /api/reports/<id>`).
 */
import type { Db } from '../src/lib/server/db';
import { computeReport, outcomeInfo } from '../src/lib/server/reports/compute';
import { getPlanVersion } from '../src/lib/server/plans';
import type { PlanBody } from '../src/lib/reports/types';
import { comparableNumbers, plainComparable, plainReportNumbers } from './report-plain-sql';
import { sameNumbers } from './same-numbers';

type Timing = { medianMs: number; minMs: number; maxMs: number };

export const BENCH_PLAN: PlanBody = {
	title: 'Benchmark: pain at week 8 with three secondary outcomes',
	// Every seeded condition (scripts/seed-cli.ts): the plan takes every patient.
	conditions: ['rheumatoid_arthritis', 'multiple_sclerosis', 'sle', 'crohns', 'ulcerative_colitis', 'hashimoto', 'psoriatic_arthritis', 'sjogren', 'other'],
	primary: { instrument: 'pain_nrs', scale: 'score' },
	timepoint: { weeks: 8, window_weeks: 2 },
	secondary: [
		{ instrument: 'fss9', scale: 'mean' },
		{ instrument: 'who5', scale: 'percentage' },
		{ instrument: 'rand36', scale: 'energy_fatigue' }
	],
	primary_population: 'carried_forward'
};

export async function benchReport(
	db: Db,
	base: string,
	apiToken: string,
	timeRuns: (f: () => Promise<unknown>, runs?: number) => Promise<Timing>,
	timePlain: (f: () => Promise<unknown>) => Promise<Timing>,
	log: (s: string) => void
) {
	const plan = BENCH_PLAN;
	const asOf = new Date().toISOString().slice(0, 10);
	const opts = { k: 5, role: 'researcher' as const, asOf };
	const outcomes = [plan.primary, ...plan.secondary].map((o) => outcomeInfo(o));
	const headers = { authorization: `Bearer ${apiToken}`, 'content-type': 'application/json' };

	// The plan is written and locked through the API when the app has it: the lock keeps its panel
	// (migration 0039), which the report then reads. Without the API, the engine computes only.
	let planId: string | null = null;
	let httpNote = '';
	let lockMs: number | null = null;
	const created = await fetch(`${base}/api/plans`, { method: 'POST', headers, body: JSON.stringify(plan) });
	if (created.ok) {
		const { id } = (await created.json()) as { id: string };
		const started = performance.now();
		const locked = await fetch(`${base}/api/plans/${id}/lock`, { method: 'POST', headers });
		lockMs = Math.round(performance.now() - started);
		log(`Report: the plan locked in ${lockMs} ms (its panel kept)`);
		if (locked.ok) planId = id;
		else httpNote = `lock answered ${locked.status}`;
	} else httpNote = `POST /api/plans answered ${created.status}: the plan API is not in this build`;
	const version = planId ? await getPlanVersion(db, planId, 1) : undefined;
	const meta = version
		? { id: version.planId, version: 1, sha256: version.sha256!, locked_at: version.lockedAt!.toISOString() }
		: { id: '00000000-0000-4000-8000-0000000000b0', version: 1, sha256: '0'.repeat(64), locked_at: new Date().toISOString() };
	const keptOpts = version ? { ...opts, versionId: version.id } : opts;

	log('Report: engine (kept panel and computed) and plain SQL…');
	const engine = comparableNumbers(await computeReport(db, plan, meta, keptOpts));
	const computedNumbers = comparableNumbers(await computeReport(db, plan, meta, opts));
	const plain = plainComparable(await plainReportNumbers(db, plan, outcomes, asOf), engine);
	const identicalNumbers = sameNumbers(engine, plain) && sameNumbers(computedNumbers, plain);
	if (!identicalNumbers) log(`Report numbers DIFFER: ${JSON.stringify({ engine, computedNumbers, plain })}`);
	const appFunction = await timeRuns(() => computeReport(db, plan, meta, keptOpts));
	const appFunctionComputed = version ? await timeRuns(() => computeReport(db, plan, meta, opts)) : null;
	const plainSql = await timePlain(() => plainReportNumbers(db, plan, outcomes, asOf));

	// Over HTTP, through the plan API, when the app has it.
	let httpEndpoint: Timing | null = null;
	let httpIdenticalNumbers: boolean | null = null;
	if (planId) {
		const get = async () => {
			const r = await fetch(`${base}/api/reports/${planId}`, { headers: { authorization: headers.authorization } });
			if (!r.ok) throw new Error(`report ${r.status}`);
			return r.json();
		};
		const body = (await get()) as Parameters<typeof comparableNumbers>[0];
		// The API's JSON may leave out the page's detail: compare the outcomes (and the flow it has).
		const viaApi = body.detail ? comparableNumbers(body) : { flow: [], outcomes: comparableNumbers({ ...body, detail: { enrolled: null } } as never).outcomes };
		httpIdenticalNumbers = sameNumbers(viaApi.outcomes, plain.outcomes);
		httpEndpoint = await timeRuns(get);
	}
	const round = (x: number) => Math.round(x * 10) / 10;
	return {
		plan: 'pain NRS at week 8 ± 2, 3 secondary outcomes, all conditions, k = 5',
		identicalNumbers,
		appFunction,
		appFunctionComputed,
		lockMs,
		httpEndpoint,
		httpIdenticalNumbers,
		httpNote,
		plainSql,
		speedup: round(plainSql.medianMs / appFunction.medianMs)
	};
}
