/**
 * The home page's numbers: patients seen this week and last, each condition's headline on its
 * primary outcome (its first key outcome), and for admins the latest imports and exports. The
 * headlines are read from the cohort rollup (a few histogram reads, whatever the cohort's size),
 * with the cohort page's definitions and its small-cell rule.
 */
import { sql } from 'drizzle-orm';
import { executeRows, type Db } from '../db';
import { readHistogram } from '../cohort/rollup';
import { getInstrument } from '../../instruments';
import { outcomeLabel } from '../../instrument-display';
import { improvedByMcid, meanCi, summariseCounts, wilson } from '../../stats';

export interface Headline {
	condition: string;
	label: string;
	instrument: string;
	scale: string;
	outcome: string;
	higherIsBetter: boolean;
	/** Patients with a baseline, and their mean there. */
	baselineN: number;
	baselineMean: number;
	/** Patients with a value after baseline: their mean change (latest − baseline) and its 95% CI. */
	n: number;
	change: number;
	changeLow: number | null;
	changeHigh: number | null;
	/** Share whose latest value improved by at least the MCID (null: no MCID), Wilson 95% CI. */
	mcid: number | null;
	improved: { share: number; low: number; high: number } | null;
	/** Mean score by visit number, points with at least k patients. */
	trend: { x: number; mean: number }[];
}

export type HeadlineTile = Headline | { condition: string; label: string; outcome: string; suppressed: true };

/** One tile per condition with a primary outcome; fewer than k patients followed up: suppressed. */
export async function conditionHeadlines(db: Db, conditions: { code: string; label: string; keyOutcomes: string[] }[], k: number): Promise<HeadlineTile[]> {
	const byOutcome = new Map<string, { code: string; label: string }[]>();
	for (const c of conditions) {
		const primary = c.keyOutcomes[0];
		if (!primary) continue;
		const [instrument, scale] = primary.split(':');
		if (!getInstrument(instrument ?? '')?.scales.some((s) => s.key === scale)) continue;
		byOutcome.set(primary, [...(byOutcome.get(primary) ?? []), c]);
	}
	const tiles: HeadlineTile[] = [];
	await Promise.all(
		[...byOutcome].map(async ([primary, group]) => {
			const [instrument, scale] = primary.split(':') as [string, string];
			const def = getInstrument(instrument)!;
			const s = def.scales.find((x) => x.key === scale)!;
			const mcid = def.mcid.find((m) => m.scale === scale)?.value ?? null;
			const codes = group.map((c) => c.code);
			const [scores, latest] = await Promise.all([
				readHistogram(db, { instrument, scale, series: 'visit', measure: 'score', conditions: codes }),
				readHistogram(db, { instrument, scale, series: 'latest', measure: 'change', conditions: codes })
			]);
			for (const c of group) {
				const outcome = outcomeLabel(instrument, scale);
				const changes = latest.filter((r) => r.condition_code === c.code);
				const followed = summariseCounts(changes);
				if (!followed || followed.n < k) {
					tiles.push({ condition: c.code, label: c.label, outcome, suppressed: true });
					continue;
				}
				const points = new Map<number, { value: number; n: number }[]>();
				for (const r of scores) if (r.condition_code === c.code) points.set(r.x, [...(points.get(r.x) ?? []), r]);
				const trend = [...points]
					.map(([x, counts]) => ({ x, s: summariseCounts(counts) }))
					.filter((p) => p.s && p.s.n >= k)
					.map((p) => ({ x: p.x, mean: p.s!.mean }));
				const base = summariseCounts(points.get(1) ?? []);
				const ci = meanCi(followed.mean, followed.sd, followed.n);
				const responders = mcid === null ? 0 : changes.reduce((sum, r) => sum + (improvedByMcid(r.value, mcid, s.higherIsBetter) ? r.n : 0), 0);
				const w = mcid === null ? null : wilson(responders, followed.n);
				tiles.push({
					condition: c.code,
					label: c.label,
					instrument,
					scale,
					outcome,
					higherIsBetter: s.higherIsBetter,
					baselineN: base?.n ?? 0,
					baselineMean: base?.mean ?? NaN,
					n: followed.n,
					change: followed.mean,
					changeLow: ci?.low ?? null,
					changeHigh: ci?.high ?? null,
					mcid,
					improved: w ? { share: responders / followed.n, low: w.low, high: w.high } : null,
					trend
				});
			}
		})
	);
	const order = new Map(conditions.map((c, i) => [c.code, i]));
	return tiles.sort((a, b) => order.get(a.condition)! - order.get(b.condition)!);
}

/** Distinct patients with a live visit this ISO week (from Monday) and last week. */
export async function patientsSeen(db: Db, today: string): Promise<{ thisWeek: number; lastWeek: number; since: string }> {
	const [row] = await executeRows(
		db,
		sql`with w as (select date_trunc('week', ${today}::date)::date as monday)
			select (select monday from w)::text as since,
				count(distinct patient_id) filter (where visit_date >= (select monday from w))::int as this_week,
				count(distinct patient_id) filter (where visit_date < (select monday from w))::int as last_week
			from visits
			where not voided and visit_date >= (select monday from w) - 7 and visit_date <= ${today}::date + 1`
	);
	return { thisWeek: Number(row?.this_week ?? 0), lastWeek: Number(row?.last_week ?? 0), since: String(row?.since ?? today) };
}

/** The latest imports and exports, for admins: who, when, how much. */
export async function recentTransfers(db: Db, limit = 5) {
	const [imports, exports] = await Promise.all([
		executeRows(
			db,
			sql`select i.id, i.file_name, i.status, i.created_at, u.name as by from imports i left join users u on u.id = i.created_by order by i.created_at desc, i.id desc limit ${limit}`
		),
		executeRows(
			db,
			sql`select a.id, a.at, a.after, u.name as by from audit_log a left join users u on u.id = a.actor_id where a.entity = 'export' and a.action = 'export' order by a.id desc limit ${limit}`
		)
	]);
	return {
		imports: imports.map((r) => ({ id: String(r.id), fileName: String(r.file_name), status: String(r.status), at: new Date(String(r.created_at)).toISOString(), by: r.by === null ? null : String(r.by) })),
		exports: exports.map((r) => {
			const after = (typeof r.after === 'string' ? JSON.parse(r.after) : r.after) as { rows?: number } | null;
			return { id: Number(r.id), at: new Date(String(r.at)).toISOString(), rows: after?.rows ?? null, by: r.by === null ? null : String(r.by) };
		})
	};
}
