import { describe, expect, it } from 'vitest';
import { assembleReport, type PanelRow } from '../../src/lib/reports/assemble';
import { periodEdges, quarterEnd, quarterStart } from '../../src/lib/privacy/periods';
import type { EvidenceReport, OutcomeInfo, PlanBody, Result } from '../../src/lib/reports/types';

/**
 * Evidence reports across plans (docs/security.md, "Evidence reports across plans"): two plans
 * below admin that differ in their conditions, enrolment period or minimum number of sessions must
 * never differ by 1..k−1 patients in a group both show. Random clinics; every pair of nested plans
 * is checked on every group count the report shows. Below admin a plan has a period or a minimum
 * number of sessions, not both (four plans, two periods × two minimums, would otherwise subtract
 * down to one quarter's patients at one count): the last test shows that such a rectangle leaks
 * without the refusal, so the refusal is not decoration.
 */
const k = 3;
const CONDITIONS = ['A', 'B', 'C'];
const Q0 = 2024 * 4; // 2024 Q1
const outcomes: OutcomeInfo[] = [
	{ instrument: 'pain_nrs', scale: 'score', name: 'Pain NRS', scale_label: 'Pain', label: 'Pain NRS', higher_is_better: false, threshold: 2, threshold_source: 'mcid', mcid_population: 'x' }
];
const meta = { id: '00000000-0000-4000-8000-000000000001', version: 1, sha256: 'ab'.repeat(32), locked_at: '2026-01-01T00:00:00.000Z' };

/** A small deterministic generator (mulberry32). */
function random(seed: number) {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

type Person = Omit<PanelRow, 'idx' | 'inside'>;

function clinic(seed: number): Person[] {
	const r = random(seed);
	const n = 40 + Math.floor(r() * 120);
	return Array.from({ length: n }, () => {
		const base = r() < 0.85 ? Math.floor(r() * 11) : null;
		const reached = base !== null && r() < 0.8;
		const fu = reached && r() < 0.75 ? Math.floor(r() * 11) : null;
		const sessions = 1 + Math.floor(r() * r() * 8);
		// Skewed conditions: C is rare, so its share is often 1..k−1.
		const c = r();
		return {
			sex: r() < 0.6 ? 'female' : 'male',
			condition: c < 0.55 ? 'A' : c < 0.9 ? 'B' : 'C',
			age: 30 + Math.floor(r() * 50),
			sessions_all: sessions + Math.floor(r() * 3),
			base,
			fu,
			reached,
			sessions: base === null ? null : sessions,
			quarter: Q0 + Math.floor(r() * 8)
		};
	});
}

interface Choice {
	conditions: string[];
	from?: number;
	to?: number;
	min?: number;
}

function planOf(c: Choice): PlanBody {
	return {
		title: 'x',
		conditions: c.conditions,
		...(c.from !== undefined ? { enrolled_from: quarterStart(c.from) } : {}),
		...(c.to !== undefined ? { enrolled_to: quarterEnd(c.to) } : {}),
		...(c.min !== undefined ? { min_sessions: c.min } : {}),
		primary: { instrument: 'pain_nrs', scale: 'score' },
		timepoint: { weeks: 8, window_weeks: 2 },
		secondary: [],
		primary_population: 'completers'
	} as PlanBody;
}

/** What the panel statement returns for the plan below admin: its conditions, every period when it has one. */
function report(people: Person[], c: Choice): EvidenceReport {
	const plan = planOf(c);
	const withPeriod = c.from !== undefined || c.to !== undefined;
	const inside = (p: Person) => (c.from === undefined || p.quarter >= c.from) && (c.to === undefined || p.quarter <= c.to);
	const rows: PanelRow[] = people
		.filter((p) => c.conditions.includes(p.condition) && (withPeriod || inside(p)))
		.map((p) => ({ ...p, idx: 0, inside: inside(p) }));
	const edges = withPeriod ? periodEdges({ from: plan.enrolled_from, to: plan.enrolled_to }) : [];
	return assembleReport(plan, meta, outcomes, rows, k, '2026-01-01', { edges, minSessions: c.min });
}

const n = (r: Result) => ('suppressed' in r ? null : r.n);
/** Every group count a report shows (null when withheld), by name. */
function counts(r: EvidenceReport): Record<string, number | null> {
	return {
		enrolled: r.detail.enrolled,
		eligible: r.flow.eligible,
		with_baseline: r.flow.with_baseline,
		reached: r.flow.reached_timepoint,
		with_followup: r.flow.with_followup,
		completers: n(r.primary.completers),
		carried_forward: n(r.primary.carried_forward),
		table_completers: r.detail.baseline.groups.completers,
		table_lost: r.detail.baseline.groups.lost
	};
}

const conditionSets = [['A'], ['B'], ['A', 'B'], ['A', 'B', 'C']];
const periods: [number | undefined, number | undefined][] = [
	[undefined, undefined],
	[Q0 + 1, undefined],
	[Q0 + 2, undefined],
	[undefined, Q0 + 5],
	[Q0 + 1, Q0 + 5],
	[Q0 + 2, Q0 + 4]
];
const minimums = [undefined, 2, 3, 4];
const contains = (a: (typeof periods)[number], b: (typeof periods)[number]) =>
	(a[0] === undefined || (b[0] !== undefined && b[0] >= a[0])) && (a[1] === undefined || (b[1] !== undefined && b[1] <= a[1]));
const ok = (d: number) => d === 0 || Math.abs(d) >= k;

function choices(): Choice[] {
	const out: Choice[] = [];
	for (const conditions of conditionSets)
		for (const [from, to] of periods)
			for (const min of minimums) if (min === undefined || (from === undefined && to === undefined)) out.push({ conditions, from, to, min });
	return out;
}

describe('evidence reports across plans (k = 3)', () => {
	it('never shows two nested plans differing by 1..k−1 patients in a group (40 random clinics)', () => {
		const all = choices();
		let compared = 0;
		for (let seed = 1; seed <= 40; seed++) {
			const people = clinic(seed);
			const shown = all.map((c) => counts(report(people, c)));
			for (let i = 0; i < all.length; i++) {
				for (let j = 0; j < all.length; j++) {
					const a = all[i]!;
					const b = all[j]!;
					const nested =
						b.conditions.every((x) => a.conditions.includes(x)) &&
						contains([a.from, a.to], [b.from, b.to]) &&
						(a.min === undefined || (b.min !== undefined && b.min >= a.min));
					if (i === j || !nested) continue;
					for (const [group, x] of Object.entries(shown[i]!)) {
						const y = shown[j]![group];
						if (x === null || y === null || y === undefined) continue;
						compared++;
						expect(ok(x - y), `seed ${seed}, ${group}: ${JSON.stringify(a)} shows ${x}, ${JSON.stringify(b)} shows ${y}`).toBe(true);
					}
				}
			}
		}
		expect(compared).toBeGreaterThan(1000);
	});

	it('refuses a period with a minimum below admin: four such plans could single out one quarter at one count', () => {
		const people = clinic(1);
		expect(() => report(people, { conditions: ['A'], from: Q0 + 1, min: 2 })).toThrow(/not both/);
		// Why: with the rules applied to each plan alone, some rectangle of four plans (two nested
		// periods × two minimums) subtracts to 1..k−1 patients in a random clinic.
		let leaks = 0;
		for (let seed = 1; seed <= 40 && leaks === 0; seed++) {
			const ppl = clinic(seed);
			const get = (p: (typeof periods)[number], min: number | undefined) => {
				const c: Choice = { conditions: ['A'], from: p[0], to: p[1], min };
				const plan = planOf(c);
				const withPeriod = c.from !== undefined || c.to !== undefined;
				const inside = (x: Person) => (c.from === undefined || x.quarter >= c.from) && (c.to === undefined || x.quarter <= c.to);
				const rows = ppl.filter((x) => x.condition === 'A' && (withPeriod || inside(x))).map((x) => ({ ...x, idx: 0, inside: inside(x) }));
				// Each rule on its own: the period's edges, then the minimum, as two separate checks.
				const byPeriod = withPeriod ? assembleReport(plan, meta, outcomes, rows, k, '2026-01-01', { edges: periodEdges({ from: plan.enrolled_from, to: plan.enrolled_to }) }) : null;
				const bySessions = min !== undefined ? assembleReport(plan, meta, outcomes, rows, k, '2026-01-01', { edges: [], minSessions: min }) : null;
				const a = byPeriod ? counts(byPeriod) : null;
				const b = bySessions ? counts(bySessions) : null;
				const plain = counts(assembleReport(plan, meta, outcomes, rows, k, '2026-01-01', { edges: [] }));
				return Object.fromEntries(Object.entries(plain).map(([g, x]) => [g, (a && a[g] === null) || (b && b[g] === null) ? null : x]));
			};
			for (const wide of periods)
				for (const narrow of periods) {
					if (wide === narrow || !contains(wide, narrow)) continue;
					for (const [m1, m2] of [[undefined, 2], [2, 3], [3, 4]] as const) {
						const [w1, w2, n1, n2] = [get(wide, m1), get(wide, m2), get(narrow, m1), get(narrow, m2)];
						for (const g of Object.keys(w1)) {
							const xs = [w1[g], w2[g], n1[g], n2[g]];
							if (xs.some((x) => x === null || x === undefined)) continue;
							const [a, b, c, d] = xs as [number, number, number, number];
							if (!ok(a - b - (c - d))) leaks++;
						}
					}
				}
		}
		expect(leaks).toBeGreaterThan(0);
	});

	it('keeps a single-condition plan without period or minimum as it was', () => {
		const people = clinic(7).map((p) => ({ ...p, condition: 'A' }));
		const r = report(people, { conditions: ['A'] });
		const admin = assembleReport(planOf({ conditions: ['A'] }), meta, outcomes, people.map((p) => ({ ...p, idx: 0, inside: true })), k, '2026-01-01', null);
		expect(r).toEqual(admin);
	});

	it('withholds a pooled result when one condition holds 1..k−1 of its patients, and shows it for an admin', () => {
		const people = clinic(3);
		const c = people.filter((p) => p.condition === 'C' && p.base !== null && p.fu !== null);
		// Keep exactly one C completer: C is then 1 patient of the pooled completers.
		const trimmed = people.filter((p) => p.condition !== 'C' || p === c[0]);
		const r = report(trimmed, { conditions: ['A', 'B', 'C'] });
		expect(r.primary.completers).toEqual({ suppressed: true });
		const admin = assembleReport(planOf({ conditions: ['A', 'B', 'C'] }), meta, outcomes, trimmed.map((p) => ({ ...p, idx: 0, inside: true })), k, '2026-01-01', null);
		expect(n(admin.primary.completers)).toBe(trimmed.filter((p) => p.base !== null && p.fu !== null).length);
	});
});
