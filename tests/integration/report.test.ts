import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { Db } from '../../src/lib/server/db';
import { createPatient } from '../../src/lib/server/patients';
import { recordVisit, voidVisit } from '../../src/lib/server/visits';
import { computeReport, outcomeInfo, ReportChoiceRefused, ReportPeriodRefused } from '../../src/lib/server/reports/compute';
import { comparableNumbers, plainComparable, plainReportNumbers } from '../../scripts/report-plain-sql';
import { sameNumbers } from '../../scripts/same-numbers';
import type { PlanBody, Result } from '../../src/lib/reports/types';
import { panelFromSeries, panelFromVisits, readPanel } from '../../src/lib/server/reports/panel';
import { executeRows } from '../../src/lib/server/db';
import { driverName, resetDatabase, testDatabase } from './db';
import { makeUser } from './helpers';

/**
 * A hand-built cohort whose report is worked out by hand below. Days are counted from each
 * patient's pain baseline on 2025-02-03; every visit records 1 acupuncture session unless said.
 * The plan: multiple sclerosis enrolled in the first half of 2025, primary pain NRS (lower is
 * better, MCID 2) at week 8 ± 2 (days 42–70, target 56), secondaries WHO-5 raw and percentage.
 */
let db: Db;
const D0 = Date.UTC(2025, 1, 3);
const day = (d: number) => new Date(D0 + d * 86_400_000).toISOString().slice(0, 10);
const meta = { id: '00000000-0000-4000-8000-000000000020', version: 1, sha256: 'ab'.repeat(32), locked_at: '2025-01-01T00:00:00.000Z' };
const plan: PlanBody = {
	title: 'Pain at week 8',
	conditions: ['multiple_sclerosis'],
	enrolled_from: '2025-01-01',
	enrolled_to: '2025-06-30',
	primary: { instrument: 'pain_nrs', scale: 'score' },
	timepoint: { weeks: 8, window_weeks: 2 },
	secondary: [
		{ instrument: 'who5', scale: 'raw' },
		{ instrument: 'who5', scale: 'percentage' }
	],
	primary_population: 'completers'
};
const asOf = '2025-12-31';

type V = { d: number; pain?: number; who5?: number; sessions?: number; voided?: boolean; date?: string };

beforeAll(async () => {
	db = (await testDatabase()).db;
	await resetDatabase(db);
	const actor = await makeUser(db, 'clinician');
	let n = 0;
	async function patient(visits: V[], o: { condition?: string; enrolled?: string; sex?: 'female' | 'male' } = {}) {
		n++;
		const p = await createPatient(db, actor, {
			clinicRef: `R-${n}`,
			name: `P ${n}`,
			dateOfBirth: '1960-01-01',
			sex: o.sex ?? 'female',
			conditionCode: o.condition ?? 'multiple_sclerosis',
			enrolledOn: o.enrolled ?? '2025-01-01'
		});
		if (!p.ok) throw new Error(p.message);
		for (const v of visits) {
			const responses: { instrumentId: string; answers: Record<string, number> }[] = [
				...(v.pain !== undefined ? [{ instrumentId: 'pain_nrs', answers: { pain: v.pain } }] : []),
				...(v.who5 !== undefined ? [{ instrumentId: 'who5', answers: { 1: v.who5, 2: v.who5, 3: v.who5, 4: v.who5, 5: v.who5 } }] : [])
			];
			const r = await recordVisit(db, actor, p.value, { visitDate: v.date ?? day(v.d), kind: 'treatment', acupunctureSessions: v.sessions ?? 1, flare: 'no', note: null }, responses);
			if (!r.ok) throw new Error(r.message);
			if (v.voided) await voidVisit(db, actor, r.value, 1, 'entered in error');
		}
	}
	// P1: follow-up candidates at days 50 (pain 4) and 60 (pain 5): 60 is nearer to 56 → 8 → 5, change −3. Sessions 2 a visit: 6.
	await patient([{ d: 0, pain: 8, who5: 2, sessions: 2 }, { d: 28, pain: 6, sessions: 2 }, { d: 50, pain: 4, sessions: 2 }, { d: 60, pain: 5, who5: 3, sessions: 2 }]);
	// P2 (male): day 56 is voided; day 63 counts → 7 → 3, change −4; day 80 is outside the window. Sessions 1.
	await patient([{ d: 0, pain: 7, who5: 2 }, { d: 56, pain: 7, who5: 5, voided: true }, { d: 63, pain: 3, who5: 4 }, { d: 80, pain: 1 }], { sex: 'male' });
	// P3 (male): values only at days 40 and 72, both outside the window: reached, lost (carried forward: 0).
	await patient([{ d: 0, pain: 6 }, { d: 40, pain: 2 }, { d: 72, pain: 1 }], { sex: 'male' });
	// P4: days 49 and 63 equally near 56: the later (63) → 9 → 8, change −1. WHO-5 likewise takes day 63 (2, not 4). Sessions 2.
	await patient([{ d: 0, pain: 9, who5: 2 }, { d: 49, pain: 5, who5: 4 }, { d: 63, pain: 8, who5: 2 }]);
	// P5: 5 → 6, change +1 (worse).
	await patient([{ d: 0, pain: 5, who5: 2 }, { d: 56, pain: 6, who5: 1 }]);
	// P6: a baseline only; the window closed long before as_of: reached, lost.
	await patient([{ d: 0, pain: 7 }]);
	// P7: baseline on 2025-12-01: the window has not closed by 2025-12-31: not yet due.
	await patient([{ d: 0, pain: 6, date: '2025-12-01' }]);
	// P8: a WHO-5-only visit a week before the pain baseline (WHO-5's own baseline); 6 → 2, change −4.
	await patient([{ d: -7, who5: 1 }, { d: 0, pain: 6 }, { d: 56, pain: 2, who5: 3 }]);
	// P9: no pain at all (no primary baseline); WHO-5 2 → 2.
	await patient([{ d: 0, who5: 2 }, { d: 56, who5: 2 }]);
	// P10: rheumatoid arthritis; P11: enrolled after the period. Neither is enrolled in the plan.
	await patient([{ d: 0, pain: 9 }, { d: 56, pain: 1 }], { condition: 'rheumatoid_arthritis' });
	await patient([{ d: 200, pain: 9 }, { d: 256, pain: 1 }], { enrolled: '2025-07-15' });
	// P12: a voided first visit (pain 3, WHO-5 5) is not the baseline: 8 → 6, change −2; WHO-5 2 → 3.
	await patient([{ d: -14, pain: 3, who5: 5, voided: true }, { d: 0, pain: 8, who5: 2 }, { d: 56, pain: 6, who5: 3 }]);
	// P13: values at days 30 and 75, none in the window: reached, lost.
	await patient([{ d: 0, pain: 5 }, { d: 30, pain: 4 }, { d: 75, pain: 3 }]);
}, 120_000);
afterAll(() => resetDatabase(db));

const shown = (r: Result) => {
	if ('suppressed' in r) throw new Error('withheld');
	return r;
};

describe(`evidence report (${driverName})`, () => {
	it('counts the flow: enrolled 11, eligible 11, baseline 10, reached 9, follow-up 6 (k = 1)', async () => {
		const r = await computeReport(db, plan, meta, { k: 1, role: 'admin', asOf });
		expect(r.plan).toEqual(meta);
		expect(r.detail.enrolled).toBe(11);
		expect(r.flow).toEqual({ eligible: 11, with_baseline: 10, reached_timepoint: 9, with_followup: 6 });
		expect(r.detail.lost).toEqual({ not_eligible: 0, no_baseline: 1, not_reached: 1, no_followup: 3 });
	});

	it('computes the primary outcome by the window, nearest-value and carried-forward rules', async () => {
		const r = await computeReport(db, plan, meta, { k: 3, role: 'admin', asOf });
		// Completers P1, P2, P4, P5, P8, P12: baseline 8 7 9 5 6 8, follow-up 5 3 8 6 2 6.
		const c = shown(r.primary.completers);
		expect(c.n).toBe(6);
		expect(c.baseline_mean).toBeCloseTo(43 / 6, 12);
		expect(c.followup_mean).toBeCloseTo(5, 12);
		expect(c.change_mean).toBeCloseTo(-13 / 6, 12);
		// Σ(change − mean)² = 113/6; SD = √(113/30). scipy.stats.ttest_1samp([-3,-4,-1,1,-4,-2], 0):
		expect(c.change_sd).toBeCloseTo(Math.sqrt(113 / 30), 12);
		expect(c.p_value).toBeCloseTo(0.04105633748021872, 10);
		expect(c.ci_low).toBeCloseTo(-4.203401090019239, 10);
		expect(c.ci_high).toBeCloseTo(-0.12993224331409436, 10);
		expect(c.dz).toBeCloseTo(-13 / 6 / Math.sqrt(113 / 30), 12);
		// scipy.stats.wilcoxon(…, method='asymptotic') (the |−4| tie):
		expect(c.wilcoxon_p).toBeCloseTo(0.057779571123597245, 10);
		// Improved by ≥ 2 points (lower is better): −3, −4, −4, −2 → 4 of 6; worsened by ≥ 2: none.
		expect(c.improved).toMatchObject({ n: 4, rate: 4 / 6 });
		// scipy.stats.binomtest(4, 6).proportion_ci(method='wilson'):
		expect(c.improved!.ci_low).toBeCloseTo(0.299993315138392, 10);
		expect(c.improved!.ci_high).toBeCloseTo(0.9032285888942195, 10);
		expect(c.worsened).toMatchObject({ n: 0, rate: 0 });
		// Carried forward: P3, P6, P13 add a change of 0 (P7 is not yet due).
		const f = shown(r.primary.carried_forward);
		expect(f.n).toBe(9);
		expect(f.change_mean).toBeCloseTo(-13 / 9, 12);
		expect(f.p_value).toBeCloseTo(0.04991244087206411, 10);
		expect(f.improved).toMatchObject({ n: 4, rate: 4 / 9 });
		expect(f.improved!.ci_low).toBeCloseTo(0.18877852109766463, 10);
	});

	it('takes each secondary from its own baseline and adjusts by Holm', async () => {
		const r = await computeReport(db, plan, meta, { k: 3, role: 'admin', asOf });
		// WHO-5 raw (5 × answer): P1 +5, P2 +10 (voided 25 ignored), P4 0 (later of the tie), P5 −5,
		// P8 +10 (from its own earlier baseline), P9 0, P12 +5.
		const [raw, pct] = r.secondary;
		const c = shown(raw!.completers);
		expect(c.n).toBe(7);
		expect(c.change_mean).toBeCloseTo(25 / 7, 12);
		// scipy.stats.ttest_1samp([5,10,0,-5,10,0,5], 0).pvalue
		expect(c.p_value).toBeCloseTo(0.14034630086737931, 10);
		// The raw scale has no MCID: no responder shares.
		expect(c.improved).toBeNull();
		const p = shown(pct!.completers);
		expect(p.change_mean).toBeCloseTo(100 / 7, 10);
		// MCID 10 points, higher is better: +20 +40 +40 +20 improved, −20 worsened.
		expect(p.improved).toMatchObject({ n: 4 });
		expect(p.worsened).toMatchObject({ n: 1 });
		// Two tests with the same p: Holm doubles it.
		expect(raw!.p_holm).toBeCloseTo(2 * 0.14034630086737931, 9);
		expect(pct!.p_holm).toBeCloseTo(2 * 0.14034630086737931, 9);
	});

	it('withholds small cells (k = 3)', async () => {
		const r = await computeReport(db, plan, meta, { k: 3, role: 'admin', asOf });
		// 11 → 11 → 10 (1 lost: withheld) → 9 (2 lost from the last shown 11: withheld) → 6 (5 from 11: shown).
		expect(r.flow).toEqual({ eligible: 11, with_baseline: null, reached_timepoint: null, with_followup: 6 });
		expect(r.detail.lost).toEqual({ not_eligible: 0, no_baseline: null, not_reached: null, no_followup: null });
		// Baseline table: completers 6, lost 3. Sex among completers: 5 female, 1 male → both withheld
		// (the male cell, and the female one with it, else 6 − 5 gives it back); among the lost 2 and 1.
		expect(r.detail.baseline.groups).toEqual({ completers: 6, lost: 3 });
		const sex = r.detail.baseline.categorical.filter((c) => c.variable === 'sex');
		expect(sex.every((c) => 'suppressed' in c.completers && 'suppressed' in c.lost)).toBe(true);
		const age = r.detail.baseline.categorical.filter((c) => c.variable === 'age_band');
		expect(age).toEqual([{ variable: 'age_band', level: '60–69', completers: { n: 6, share: 1 }, lost: { n: 3, share: 1 }, smd: 0 }]);
		const sessions = r.detail.baseline.continuous.find((c) => c.key === 'sessions')!;
		// Completers' sessions up to day 70: 6, 1, 2, 1, 1, 1; the lost: P3 1 (day 40), P6 0, P13 1 (day 30).
		expect(sessions.completers).toMatchObject({ n: 6, mean: 2, median: 1 });
		expect(sessions.lost).toMatchObject({ n: 3, mean: 2 / 3, median: 1 });
		// With k = 7 the completers (6) are withheld, and the carried-forward population (9) stays.
		const k7 = await computeReport(db, plan, meta, { k: 7, role: 'admin', asOf });
		expect(k7.primary.completers).toEqual({ suppressed: true });
		expect(shown(k7.primary.carried_forward).n).toBe(9);
		expect(k7.detail.waterfall).toEqual({ suppressed: true });
		// With k = 4 the carried-forward group (9) would give the completers (6) away by 3: withheld.
		const k4 = await computeReport(db, plan, meta, { k: 4, role: 'admin', asOf });
		expect(k4.primary.completers).toEqual({ suppressed: true });
	});

	it('draws the waterfall, regression to the mean and sessions from the completers', async () => {
		const r = await computeReport(db, plan, meta, { k: 3, role: 'admin', asOf });
		expect(r.detail.waterfall).toEqual({ changes: [-4, -4, -3, -2, -1, 1], sampled: false, n: 6 });
		// Median baseline 7.5; worse (above it): P1, P4, P12 (−3, −1, −2); the rest P2, P5, P8 (−4, +1, −4).
		const rtm = r.detail.regression_to_mean;
		if ('suppressed' in rtm) throw new Error('withheld');
		expect(rtm.median).toBe(7.5);
		expect(rtm.worse).toMatchObject({ n: 3, change_mean: -2, baseline_mean: 25 / 3 });
		expect(rtm.better).toMatchObject({ n: 3, change_mean: -7 / 3, baseline_mean: 6 });
		// scipy.stats.spearmanr([6,1,2,1,1,1], [-3,-4,-1,1,-4,-2]).statistic
		const rho = r.detail.sessions.rho;
		if (!rho || 'suppressed' in rho) throw new Error('no rho');
		expect(rho.rho).toBeCloseTo(0.13719886811400708, 10);
		// Per session count: 1 session (4 patients, mean −9/4) shown; 2 and 6 (one patient each) withheld.
		expect(r.detail.sessions.groups.map((g) => [g.sessions, 'suppressed' in g.change ? null : g.change.change_mean])).toEqual([
			[1, -9 / 4],
			[2, null],
			[6, null]
		]);
	});

	it('applies the sessions rule and the visit-number time point', async () => {
		// At least 2 sessions up to day 70: P1 (6), P4 (2), and P9 (no pain baseline: all its 2 visits).
		const min = await computeReport(db, { ...plan, min_sessions: 2 }, meta, { k: 1, role: 'admin', asOf });
		expect(min.flow).toEqual({ eligible: 3, with_baseline: 2, reached_timepoint: 2, with_followup: 2 });
		// Visit 3, counting the baseline visit as 1 and every later non-voided visit: P1 8 → 4, P2 7 → 1
		// (the voided visit does not count), P3 6 → 1, P4 9 → 8, P13 5 → 3; P5, P8, P12 have 2 visits from baseline.
		const byVisit = await computeReport(db, { ...plan, timepoint: { visit: 3 } }, meta, { k: 1, role: 'admin', asOf });
		expect(byVisit.flow).toEqual({ eligible: 11, with_baseline: 10, reached_timepoint: 5, with_followup: 5 });
		expect(byVisit.detail.waterfall).toEqual({ changes: [-6, -5, -4, -2, -1], sampled: false, n: 5 });
	});

	it('agrees with the plain-SQL computation of the benchmark (flow, n, means, SD, responders)', async () => {
		for (const variant of [plan, { ...plan, min_sessions: 2 }, { ...plan, responder_threshold: 1 }]) {
			const engine = comparableNumbers(await computeReport(db, variant, meta, { k: 1, role: 'admin', asOf }));
			const outcomes = [variant.primary, ...variant.secondary].map((o, i) => outcomeInfo(o, i === 0 ? variant.responder_threshold : undefined));
			const plain = plainComparable(await plainReportNumbers(db, variant, outcomes, asOf), engine);
			expect(sameNumbers(engine, plain), JSON.stringify({ engine, plain })).toBe(true);
		}
	});

	it('reads the same panel from the rollup\'s series as from the visits (weeks time points)', async () => {
		for (const variant of [plan, { ...plan, timepoint: { weeks: 4, window_weeks: 4 } }, { ...plan, timepoint: { weeks: 10, window_weeks: 1 }, min_sessions: 1 }]) {
			const fromSeries = await executeRows(db, panelFromSeries(variant, asOf));
			const fromVisits = await executeRows(db, panelFromVisits(variant, asOf));
			expect(fromSeries.map((r) => ({ ...r, sessions: r.idx === 0 ? r.sessions : null }))).toEqual(fromVisits.map((r) => ({ ...r, sessions: r.idx === 0 ? r.sessions : null })));
		}
	});

	it('reads the panel in two halves of the patients (PostgreSQL) as one statement would', async () => {
		const ids = (await executeRows(db, sql`select id::text as id from patients`)).map((r) => String(r.id));
		// Both halves hold patients (ids are random: regenerate the cohort if this ever fails by chance).
		expect(ids.some((id) => id < '8')).toBe(true);
		expect(ids.some((id) => id >= '8')).toBe(true);
		for (const variant of [plan, { ...plan, timepoint: { visit: 3 } }]) {
			const whole = await executeRows(db, 'weeks' in variant.timepoint ? panelFromSeries(variant, asOf) : panelFromVisits(variant, asOf));
			const read = await readPanel(db, variant, asOf);
			expect(read.map((r) => [r.idx, r.condition, r.base, r.fu, r.reached, r.sessions])).toEqual(
				whole.map((r) => [Number(r.idx), String(r.condition), r.base === null ? null : Number(r.base), r.fu === null ? null : Number(r.fu), r.reached === true || r.reached === 't', r.sessions === null ? null : Number(r.sessions)])
			);
		}
	});

	it('applies the cross-query edge rule below admin (the period ends at Q2 2025; P11, enrolled in Q3, is alone there)', async () => {
		// Every group that holds P11 (in every period) has 1 patient in the quarter after the edge:
		// the flow and the primary outcome (P11 has pain 9 → 1) are withheld for a researcher…
		const r = await computeReport(db, plan, meta, { k: 3, role: 'researcher', asOf });
		expect(r.flow).toEqual({ eligible: null, with_baseline: null, reached_timepoint: null, with_followup: null });
		expect(r.primary.completers).toEqual({ suppressed: true });
		expect(r.primary.carried_forward).toEqual({ suppressed: true });
		// …while WHO-5 (P11 has none) is shown as for an admin.
		expect(shown(r.secondary[0]!.completers).n).toBe(7);
		// Without the period there is no edge: as for an admin.
		const open = await computeReport(db, { ...plan, enrolled_from: undefined, enrolled_to: undefined }, meta, { k: 3, role: 'researcher', asOf });
		expect(shown(open.primary.carried_forward).n).toBe(10);
		// A day-precise period is refused below admin, computed for an admin.
		const byDay = { ...plan, enrolled_to: '2025-06-15' };
		await expect(computeReport(db, byDay, meta, { k: 3, role: 'clinician', asOf })).rejects.toBeInstanceOf(ReportPeriodRefused);
		expect(shown((await computeReport(db, byDay, meta, { k: 3, role: 'admin', asOf })).primary.carried_forward).n).toBe(9);
	});
	it('holds each condition to 0 or at least k patients, and applies the sessions rule, below admin', async () => {
		const open = { ...plan, enrolled_from: undefined, enrolled_to: undefined };
		// Pooled with rheumatoid arthritis, whose one patient (P10, pain 9 → 1) would be the
		// difference between this plan and the multiple-sclerosis one: withheld for a researcher.
		const pooled = { ...open, conditions: ['multiple_sclerosis', 'rheumatoid_arthritis'] };
		const r = await computeReport(db, pooled, meta, { k: 3, role: 'researcher', asOf });
		expect(r.flow).toEqual({ eligible: null, with_baseline: null, reached_timepoint: null, with_followup: null });
		expect(r.primary.completers).toEqual({ suppressed: true });
		// An admin sees it: the 7 multiple-sclerosis completers (P11 counts without a period) and P10.
		expect(shown((await computeReport(db, pooled, meta, { k: 3, role: 'admin', asOf })).primary.completers).n).toBe(8);
		// At least 2 sessions: in Q1 2025, 2 patients have 2 or more (P4, and P9 without a pain
		// baseline), fewer than k = 3: the eligible are withheld for a researcher, shown to an admin.
		const min = { ...open, min_sessions: 2 };
		expect((await computeReport(db, min, meta, { k: 3, role: 'researcher', asOf })).flow.eligible).toBeNull();
		expect((await computeReport(db, min, meta, { k: 3, role: 'admin', asOf })).flow.eligible).toBe(3);
		// A period with a minimum: refused below admin (two periods × two minimums could be subtracted).
		await expect(computeReport(db, { ...plan, min_sessions: 2 }, meta, { k: 3, role: 'researcher', asOf })).rejects.toBeInstanceOf(ReportChoiceRefused);
	});
});
