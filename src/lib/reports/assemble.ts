/**
 * The evidence report from the panel (one row per patient × outcome, see
 * src/lib/server/reports/panel.ts): flow, results, baseline table and the pictures' data. Pure.
 *
 * Populations, per outcome, among the eligible patients:
 * - completers: a baseline and a follow-up value;
 * - baseline carried forward: a baseline and the time point reached (due); a missing follow-up
 *   counts as no change. Patients not yet due are not missing, and are in neither.
 * Eligible: the plan's conditions and enrolment period, and at least `min_sessions` sessions up to
 * the primary outcome's time point (all recorded sessions when the patient has no primary baseline).
 *
 * Small cells (k): a result, group or count below k is withheld; counts a reader could subtract
 * from a shown total are withheld with it (`suppressCells`, the flow's chain rule, the completers
 * beside the carried-forward population).
 *
 * Across queries (below admin: `CrossQuery`; docs/security.md, "Evidence reports across plans"):
 * every group shown must pass three rules, so that two plans that differ in their enrolment period,
 * their conditions or their minimum number of sessions never differ by 1..k−1 patients in a group
 * they both show:
 * - conditions: each condition's patients in the group are 0 or at least k (results are pooled
 *   over the plan's conditions; {A, B} and {A} then differ by B's share, 0 or at least k);
 * - periods, per condition: with an enrolment period the panel holds every period's patients, each
 *   with its enrolment quarter; the statistics use those inside, and each condition's patients of
 *   the group, in every period, must pass `edgesHold` (the cohort's rule);
 * - sessions, per condition: with a minimum number of sessions, the group's patients without that
 *   minimum, counted by their number of sessions, must pass `thresholdHolds`: on each side of the
 *   minimum that has patients, the count nearest to it holds at least k. Below admin a plan has a
 *   period or a minimum, never both ($lib/validation/plans): plans with one or the other then give
 *   only the group's totals by quarter and by sessions, never a quarter's patients at one count.
 */
import { improvedByMcid } from '../stats';
import { edgesHold, thresholdHolds } from '../privacy/periods';
import { cohenDz, holm, moments, pairedT, quantile, quantileSorted, share, smd, smdProportion, sortedValues, spearman, wilcoxonSignedRank, type Numbers } from '../stats/inference';
import type {
	BaselineTable,
	ContinuousCell,
	CountCell,
	EvidenceReport,
	MeanChange,
	OutcomeInfo,
	PlanBody,
	Result,
	SessionsChange
} from './types';

export interface PanelRow {
	idx: number;
	sex: string;
	/** The patient's condition (a plan pools its conditions; the cross-query rules look at each). */
	condition: string;
	age: number | null;
	sessions_all: number;
	base: number | null;
	fu: number | null;
	reached: boolean;
	sessions: number | null;
	/** Enrolment quarter (year × 4 + 0..3), for the edge rule. */
	quarter: number;
	/** Inside the plan's enrolment period (always, unless the edge rule reads every period). */
	inside: boolean;
}

export interface PlanMeta {
	id: string;
	version: number;
	sha256: string;
	locked_at: string;
}

const SUPPRESSED = { suppressed: true } as const;
/** The most bars or points a picture gets; above it, evenly spaced order statistics. */
export const MAX_POINTS = 2000;

/**
 * A population's pairs, as columns: baseline, follow-up and sessions of patient i at index i
 * (typed arrays: at 200,000 patients a report builds and scans eight populations of them).
 */
interface Pairs {
	n: number;
	base: Float64Array;
	fu: Float64Array;
	sessions: Float64Array;
}

function emptyPairs(capacity: number): Pairs {
	return { n: 0, base: new Float64Array(capacity), fu: new Float64Array(capacity), sessions: new Float64Array(capacity) };
}

function push(p: Pairs, base: number, fu: number, sessions: number) {
	p.base[p.n] = base;
	p.fu[p.n] = fu;
	p.sessions[p.n] = sessions;
	p.n++;
}

/** The pairs trimmed to their length (views, no copy). */
function trimmed(p: Pairs): Pairs {
	return { n: p.n, base: p.base.subarray(0, p.n), fu: p.fu.subarray(0, p.n), sessions: p.sessions.subarray(0, p.n) };
}

/** The pairs at some indices, in their order. */
function pick(p: Pairs, indices: ArrayLike<number>): Pairs {
	const out = emptyPairs(indices.length);
	for (let j = 0; j < indices.length; j++) push(out, p.base[indices[j]!]!, p.fu[indices[j]!]!, p.sessions[indices[j]!]!);
	return out;
}

function changesOf(p: Pairs): Float64Array {
	const c = new Float64Array(p.n);
	for (let i = 0; i < p.n; i++) c[i] = p.fu[i]! - p.base[i]!;
	return c;
}

/** Age bands of the baseline table (years at baseline, or at enrolment without one). */
export function ageBand(age: number | null): string {
	if (age === null) return 'unknown';
	if (age < 30) return '<30';
	if (age >= 70) return '≥70';
	const lo = Math.floor(age / 10) * 10;
	return `${lo}–${lo + 9}`;
}
export const AGE_BANDS = ['<30', '30–39', '40–49', '50–59', '60–69', '≥70', 'unknown'];
export const SEX_LEVELS = ['female', 'male', 'other', 'unknown'];

/**
 * Which cells of one table column to withhold: those with 1..k−1 patients, and when exactly one is
 * withheld, the smallest other non-empty one too, so that the column's total does not give it back
 * (empty cells are not shown, so they cannot be that partner).
 */
export function suppressCells(counts: number[], k: number): Set<number> {
	const out = new Set<number>();
	counts.forEach((c, i) => {
		if (c > 0 && c < k) out.add(i);
	});
	if (out.size === 1) {
		let pick = -1;
		counts.forEach((c, i) => {
			if (!out.has(i) && c > 0 && (pick < 0 || c < counts[pick]!)) pick = i;
		});
		if (pick >= 0) out.add(pick);
	}
	return out;
}

function result(pairs: Pairs, threshold: number | null, higherIsBetter: boolean, k: number): Result {
	const n = pairs.n;
	if (n < k || n < 2) return SUPPRESSED;
	const changes = changesOf(pairs);
	const m = moments(changes);
	const t = pairedT(m)!;
	const dz = cohenDz(m);
	const w = wilcoxonSignedRank(changes);
	const counted = (better: boolean) => {
		if (threshold === null) return null;
		let x = 0;
		for (let i = 0; i < n; i++) if (improvedByMcid(better ? changes[i]! : -changes[i]!, threshold, higherIsBetter)) x++;
		return share(x, n);
	};
	return {
		n,
		baseline_mean: moments(pairs.base).mean,
		followup_mean: moments(pairs.fu).mean,
		change_mean: m.mean,
		change_sd: m.sd!,
		ci_low: t.ci_low,
		ci_high: t.ci_high,
		p_value: t.p,
		dz: dz?.dz ?? null,
		dz_ci_low: dz?.ci_low ?? null,
		dz_ci_high: dz?.ci_high ?? null,
		wilcoxon_p: w?.p ?? null,
		improved: counted(true),
		worsened: counted(false)
	};
}

const pValue = (r: Result) => ('suppressed' in r ? null : r.p_value);

function continuous(values: Numbers, k: number, shown: boolean): ContinuousCell {
	if (!shown || values.length < k || values.length === 0) return SUPPRESSED;
	const m = moments(values);
	const s = sortedValues(values);
	return { n: m.n, mean: m.mean, sd: m.sd, median: quantileSorted(s, 0.5), q1: quantileSorted(s, 0.25), q3: quantileSorted(s, 0.75) };
}

function meanChange(pairs: Pairs, k: number): MeanChange {
	if (pairs.n < k || pairs.n === 0) return SUPPRESSED;
	const m = moments(changesOf(pairs));
	const t = pairedT(m);
	return { n: m.n, baseline_mean: moments(pairs.base).mean, change_mean: m.mean, ci_low: t?.ci_low ?? null, ci_high: t?.ci_high ?? null };
}

/** Indices of up to MAX_POINTS evenly spaced order statistics of n sorted items. */
function sampleIndices(n: number): number[] {
	if (n <= MAX_POINTS) return Array.from({ length: n }, (_, i) => i);
	return Array.from({ length: MAX_POINTS }, (_, i) => Math.round((i * (n - 1)) / (MAX_POINTS - 1)));
}

/**
 * The panel as columns, a patient per index (what assembleReport reads; `panelFromRows` turns
 * PanelRow[] into it). NaN stands for null. Patient i's value of outcome j is at i × outcomes + j.
 * At 200,000 patients, columns cost a fraction of 800,000 row objects to build, scan and collect.
 */
export interface Panel {
	n: number;
	outcomes: number;
	sex: string[];
	condition: string[];
	age: Float64Array;
	sessionsAll: Float64Array;
	/** Sessions up to the primary outcome's time point (NaN without its baseline). */
	sessions: Float64Array;
	quarter: Float64Array;
	inside: Uint8Array;
	base: Float64Array;
	fu: Float64Array;
	reached: Uint8Array;
}

/** An empty panel of n patients and `outcomes` outcomes, to be filled. */
export function emptyPanel(n: number, outcomes: number): Panel {
	return {
		n,
		outcomes,
		sex: new Array<string>(n),
		condition: new Array<string>(n),
		age: new Float64Array(n),
		sessionsAll: new Float64Array(n),
		sessions: new Float64Array(n),
		quarter: new Float64Array(n),
		inside: new Uint8Array(n),
		base: new Float64Array(n * outcomes),
		fu: new Float64Array(n * outcomes),
		reached: new Uint8Array(n * outcomes)
	};
}

const orNaN = (x: number | null) => (x === null ? Number.NaN : x);
const orNull = (x: number) => (Number.isNaN(x) ? null : x);

/** The panel of rows in patient order, each patient's `outcomes` rows together (panelSql's order). */
export function panelFromRows(rows: PanelRow[], outcomes: number): Panel {
	const n = Math.floor(rows.length / outcomes);
	const p = emptyPanel(n, outcomes);
	for (let i = 0; i < n; i++) {
		const r = rows[i * outcomes]!;
		p.sex[i] = r.sex;
		p.condition[i] = r.condition;
		p.age[i] = orNaN(r.age);
		p.sessionsAll[i] = r.sessions_all;
		p.sessions[i] = orNaN(r.sessions);
		p.quarter[i] = r.quarter;
		p.inside[i] = r.inside ? 1 : 0;
		for (let j = 0; j < outcomes; j++) {
			const x = rows[i * outcomes + j]!;
			p.base[i * outcomes + j] = orNaN(x.base);
			p.fu[i * outcomes + j] = orNaN(x.fu);
			p.reached[i * outcomes + j] = x.reached ? 1 : 0;
		}
	}
	return p;
}

/** The panel's rows again (every row carries its patient's age and the primary's sessions on row 0 only). */
export function rowsOfPanel(p: Panel): PanelRow[] {
	const rows: PanelRow[] = [];
	for (let i = 0; i < p.n; i++) {
		for (let j = 0; j < p.outcomes; j++) {
			const at = i * p.outcomes + j;
			rows.push({
				idx: j,
				sex: p.sex[i]!,
				condition: p.condition[i]!,
				age: orNull(p.age[i]!),
				sessions_all: p.sessionsAll[i]!,
				base: orNull(p.base[at]!),
				fu: orNull(p.fu[at]!),
				reached: p.reached[at] === 1,
				sessions: j === 0 ? orNull(p.sessions[i]!) : null,
				quarter: p.quarter[i]!,
				inside: p.inside[i] === 1
			});
		}
	}
	return rows;
}

/**
 * Whether patient i belongs to a group. `open`: with the plan's minimum number of sessions lifted
 * (the group's patients before the sessions rule cuts them).
 */
type Pred = (i: number, open: boolean) => boolean;
/**
 * Whether a group (its patients by a predicate) may be shown across queries; always for admins.
 * `sessionsFree`: the group does not depend on the minimum number of sessions (the enrolled).
 */
type Holds = (pred: Pred, sessionsFree?: boolean) => boolean;

/** The cross-query rules of a report read below admin (see the top of this file). */
export interface CrossQuery {
	/** The enrolment period's edges as quarter indexes ($lib/privacy/periods); none without a period. */
	edges: number[];
	/** The plan's minimum number of sessions, when it has one: the sessions rule's edge. */
	minSessions?: number;
}

/** `level`: each patient's sessions counted for eligibility (see assembleReport). */
function crossQueryRule(panel: Panel, level: Float64Array, cq: CrossQuery | null, k: number): Holds {
	if (!cq) return () => true;
	const { edges, minSessions } = cq;
	if (edges.length > 0 && minSessions !== undefined) throw new Error('a plan below admin selects by enrolment period or by sessions, not both');
	// Conditions as small integers, so that the common case (no period, no minimum) is one pass of
	// the predicate and an array increment per patient: it runs for every group a report shows.
	const codes = [...new Set(panel.condition)];
	const index = Int32Array.from(panel.condition, (c) => codes.indexOf(c));
	return (pred, sessionsFree = false) => {
		const sessionsRule = minSessions !== undefined && !sessionsFree;
		const inside = new Int32Array(codes.length);
		const quarters = edges.length > 0 ? codes.map(() => new Map<number, number>()) : null;
		const levels = sessionsRule ? codes.map(() => new Map<number, number>()) : null;
		for (let i = 0; i < panel.n; i++) {
			const c = index[i]!;
			if (pred(i, false)) {
				if (panel.inside[i] === 1) inside[c]!++;
				if (quarters) quarters[c]!.set(panel.quarter[i]!, (quarters[c]!.get(panel.quarter[i]!) ?? 0) + 1);
			}
			if (levels && pred(i, true)) levels[c]!.set(level[i]!, (levels[c]!.get(level[i]!) ?? 0) + 1);
		}
		for (let c = 0; c < codes.length; c++) {
			if (inside[c]! > 0 && inside[c]! < k) return false;
			if (quarters && !edgesHold([...quarters[c]!], edges, k)) return false;
			if (levels && !thresholdHolds([...levels[c]!], minSessions!, k)) return false;
		}
		return true;
	};
}

/** The patients (indices) of a list a predicate holds for (never with the minimum lifted). */
function where(list: number[], pred: Pred): number[] {
	const out: number[] = [];
	for (let j = 0; j < list.length; j++) if (pred(list[j]!, false)) out.push(list[j]!);
	return out;
}

/** How many patients of a list a predicate holds for. */
function count(list: number[], pred: Pred): number {
	let c = 0;
	for (let j = 0; j < list.length; j++) if (pred(list[j]!, false)) c++;
	return c;
}

export function assembleReport(
	plan: PlanBody,
	meta: PlanMeta,
	outcomes: OutcomeInfo[],
	input: PanelRow[] | Panel,
	k: number,
	asOf: string,
	crossQuery: CrossQuery | null = null
): EvidenceReport {
	const O = outcomes.length;
	const panel = Array.isArray(input) ? panelFromRows(input, O) : input;
	if (panel.outcomes !== O) throw new Error(`the panel has ${panel.outcomes} outcomes, the plan ${O}`);
	const { n, base, fu, reached: isReached, sessions } = panel;
	// Sessions counted for eligibility: up to the primary's time point, or all without a primary baseline.
	const level = new Float64Array(n);
	const eligibleAt = new Uint8Array(n);
	const all: number[] = [];
	for (let i = 0; i < n; i++) {
		level[i] = !Number.isNaN(base[i * O]!) ? (Number.isNaN(sessions[i]!) ? 0 : sessions[i]!) : panel.sessionsAll[i]!;
		eligibleAt[i] = plan.min_sessions === undefined || level[i]! >= plan.min_sessions ? 1 : 0;
		all.push(i);
	}
	const patients = all.filter((i) => panel.inside[i] === 1);
	const holds = crossQueryRule(panel, level, crossQuery, k);

	const isEligible: Pred = (i, open) => open || eligibleAt[i] === 1;
	const hasBaseline: Pred = (i, open) => isEligible(i, open) && !Number.isNaN(base[i * O]!);
	const hasReached: Pred = (i, open) => hasBaseline(i, open) && isReached[i * O] === 1;
	const hasFollowup: Pred = (i, open) => hasBaseline(i, open) && !Number.isNaN(fu[i * O]!);
	const eligible = where(patients, isEligible);
	const reached = where(patients, hasReached);
	// The flow's chain: a count is shown when at least k, when its group passes the edge rule, and
	// when the patients lost since the last count shown are none, or at least k and pass it too.
	const steps: Pred[] = [() => true, isEligible, hasBaseline, hasReached, hasFollowup];
	const counts = steps.map((s) => count(patients, s));
	let last = -1;
	const [enrolledN, eligibleN, baselineN, reachedN, followupN] = steps.map((step, i) => {
		const c = counts[i]!;
		const lost = last < 0 ? 0 : counts[last]! - c;
		const before = last < 0 ? null : steps[last]!;
		const ok = c >= k && holds(step, i === 0) && (lost === 0 || (lost >= k && holds((p, open) => before!(p, open) && !step(p, open))));
		if (!ok) return null;
		last = i;
		return c;
	});
	const gap = (a: number | null, b: number | null) => (a !== null && b !== null ? a - b : null);

	// Per outcome: both populations (the sessions are the primary's; 0 for the others, unused).
	const populations = outcomes.map((_, j) => {
		const completers = emptyPairs(eligible.length);
		const carried = emptyPairs(eligible.length);
		for (const i of eligible) {
			const b = base[i * O + j]!;
			if (Number.isNaN(b)) continue;
			const f = fu[i * O + j]!;
			const s = j === 0 && !Number.isNaN(sessions[i]!) ? sessions[i]! : 0;
			if (!Number.isNaN(f)) push(completers, b, f, s);
			if (isReached[i * O + j] === 1) push(carried, b, Number.isNaN(f) ? b : f, s);
		}
		return { completers: trimmed(completers), carried: trimmed(carried) };
	});
	const results = populations.map(({ completers, carried }, j) => {
		const o = outcomes[j]!;
		const isCompleter: Pred = (i, open) => isEligible(i, open) && !Number.isNaN(base[i * O + j]!) && !Number.isNaN(fu[i * O + j]!);
		const isCarried: Pred = (i, open) => isEligible(i, open) && !Number.isNaN(base[i * O + j]!) && isReached[i * O + j] === 1;
		const c = holds(isCompleter) ? result(completers, o.threshold, o.higher_is_better, k) : SUPPRESSED;
		const f = holds(isCarried) ? result(carried, o.threshold, o.higher_is_better, k) : SUPPRESSED;
		// The carried-forward n minus the completers' n is the number carried forward: withheld with the completers when 1..k−1.
		const forward = carried.n - completers.n;
		const hideCompleters = !('suppressed' in f) && forward > 0 && (forward < k || !holds((i, open) => isCarried(i, open) && !isCompleter(i, open)));
		return { completers: hideCompleters ? SUPPRESSED : c, carried_forward: f };
	});
	const primaryPop = plan.primary_population === 'completers' ? 'completers' : 'carried_forward';
	const adjusted = holm(results.slice(1).map((r) => pValue(r[primaryPop])));

	const primary = outcomes[0]!;
	const completers0 = populations[0]!.completers;
	const showPictures = !('suppressed' in results[0]!.completers);

	return {
		plan: { id: meta.id, version: meta.version, sha256: meta.sha256, locked_at: meta.locked_at },
		flow: { eligible: eligibleN!, with_baseline: baselineN!, reached_timepoint: reachedN!, with_followup: followupN! },
		primary: { instrument: primary.instrument, scale: primary.scale, ...results[0]! },
		secondary: outcomes.slice(1).map((o, i) => ({ instrument: o.instrument, scale: o.scale, ...results[i + 1]!, p_holm: adjusted[i] ?? null })),
		detail: {
			k,
			as_of: asOf,
			enrolled: enrolledN!,
			lost: {
				not_eligible: gap(enrolledN!, eligibleN!),
				no_baseline: gap(eligibleN!, baselineN!),
				not_reached: gap(baselineN!, reachedN!),
				no_followup: gap(reachedN!, followupN!)
			},
			outcomes,
			baseline: baselineTable(panel, reached, outcomes, k, holds, hasReached),
			...pictures(panel, showPictures ? completers0 : null, primary, k, holds, hasFollowup)
		}
	};
}

function baselineTable(panel: Panel, reached: number[], outcomes: OutcomeInfo[], k: number, holds: Holds, hasReached: Pred): BaselineTable {
	const O = panel.outcomes;
	const followed = (i: number) => !Number.isNaN(panel.fu[i * O]!);
	const completers = reached.filter(followed);
	const lost = reached.filter((i) => !followed(i));
	const inCompleters: Pred = (i, open) => hasReached(i, open) && followed(i);
	const inLost: Pred = (i, open) => hasReached(i, open) && !followed(i);
	// Two columns whose sizes add up to the shown "reached" count: both go when either is small.
	const shown = completers.length >= k && holds(inCompleters) && (lost.length === 0 || (lost.length >= k && holds(inLost)));
	const showLost = shown && lost.length >= k;
	const rows: BaselineTable['continuous'] = [];
	/** `of`: a patient's value, NaN when unknown. */
	const add = (key: string, label: string, of: (i: number) => number) => {
		const present = (group: number[]) => {
			const out = new Float64Array(group.length);
			let m = 0;
			for (let j = 0; j < group.length; j++) {
				const v = of(group[j]!);
				if (!Number.isNaN(v)) out[m++] = v;
			}
			return out.subarray(0, m);
		};
		const a = present(completers);
		const b = present(lost);
		const cellA = continuous(a, k, shown && holds((i, open) => inCompleters(i, open) && !Number.isNaN(of(i))));
		const cellB = continuous(b, k, showLost && holds((i, open) => inLost(i, open) && !Number.isNaN(of(i))));
		const both = !('suppressed' in cellA) && !('suppressed' in cellB);
		rows.push({ key, label, completers: cellA, lost: cellB, smd: both ? smd(moments(a), moments(b)) : null });
	};
	add('age', 'Age at baseline (years)', (i) => panel.age[i]!);
	add('sessions', 'Sessions up to the time point', (i) => panel.sessions[i]!);
	outcomes.forEach((o, j) => add(`baseline:${o.instrument}/${o.scale}`, `Baseline ${o.label}`, (i) => panel.base[i * O + j]!));

	const categorical: BaselineTable['categorical'] = [];
	const cats = (variable: 'age_band' | 'sex', levels: string[], of: (i: number) => string) => {
		const count = (group: number[]) => {
			const counts = levels.map(() => 0);
			for (const i of group) {
				const j = levels.indexOf(of(i));
				if (j >= 0) counts[j]!++;
			}
			return counts;
		};
		const countA = count(completers);
		const countB = count(lost);
		// A cell of 1..k−1 or one failing the edge rule is withheld (with a partner when alone).
		const hideA = suppressCells(countA.map((c, j) => (c > 0 && !holds((i, open) => inCompleters(i, open) && of(i) === levels[j]) ? Math.min(c, 1) : c)), k);
		const hideB = suppressCells(countB.map((c, j) => (c > 0 && !holds((i, open) => inLost(i, open) && of(i) === levels[j]) ? Math.min(c, 1) : c)), k);
		levels.forEach((level, j) => {
			if (countA[j] === 0 && countB[j] === 0) return;
			const cell = (counts: number[], hide: Set<number>, total: number, visible: boolean): CountCell =>
				!visible || hide.has(j) ? { suppressed: true } : { n: counts[j]!, share: counts[j]! / total };
			const a = cell(countA, hideA, completers.length, shown);
			const b = cell(countB, hideB, lost.length, showLost);
			const both = !('suppressed' in a) && !('suppressed' in b);
			categorical.push({ variable, level, completers: a, lost: b, smd: both ? smdProportion(a.share, b.share) : null });
		});
	};
	const bands = Array.from(panel.age, (a) => ageBand(orNull(a)));
	cats('age_band', AGE_BANDS, (i) => bands[i]!);
	cats('sex', SEX_LEVELS, (i) => panel.sex[i]!);
	return { groups: { completers: shown ? completers.length : null, lost: showLost ? lost.length : shown && lost.length === 0 ? 0 : null }, continuous: rows, categorical };
}

function pictures(panel: Panel, completers: Pairs | null, primary: OutcomeInfo, k: number, holds: Holds, hasFollowup: Pred): Pick<EvidenceReport['detail'], 'waterfall' | 'pairs' | 'regression_to_mean' | 'sessions'> {
	if (!completers) {
		return { waterfall: SUPPRESSED, pairs: SUPPRESSED, regression_to_mean: SUPPRESSED, sessions: { rho: SUPPRESSED, groups: [] } };
	}
	const n = completers.n;
	const changes = changesOf(completers);
	// Sorted by change; equal changes keep the panel's order (a stable sort).
	const sorted = Array.from({ length: n }, (_, i) => i).sort((a, b) => changes[a]! - changes[b]!);
	const picks = sampleIndices(n);
	const sampled = picks.length < n;

	// Regression to the mean: baseline worse than the median (in the scale's direction) against the rest.
	const median = quantile(completers.base, 0.5);
	const isWorse = (base: number) => (primary.higher_is_better ? base < median : base > median);
	const worseAt: number[] = [];
	const betterAt: number[] = [];
	for (let i = 0; i < n; i++) (isWorse(completers.base[i]!) ? worseAt : betterAt).push(i);
	const O = panel.outcomes;
	const rtmHolds = holds((i, open) => hasFollowup(i, open) && isWorse(panel.base[i * O]!)) && holds((i, open) => hasFollowup(i, open) && !isWorse(panel.base[i * O]!));
	const rtm = worseAt.length >= k && betterAt.length >= k && rtmHolds ? { median, worse: meanChange(pick(completers, worseAt), k), better: meanChange(pick(completers, betterAt), k) } : SUPPRESSED;

	// Change by sessions: rho, and mean change per session count (small groups withheld, with a partner).
	const rho = spearman(completers.sessions, changes);
	const bySessions = new Map<number, number[]>();
	for (let i = 0; i < n; i++) {
		const s = completers.sessions[i]!;
		const group = bySessions.get(s);
		if (group) group.push(i);
		else bySessions.set(s, [i]);
	}
	const levels = [...bySessions.keys()].sort((a, b) => a - b);
	const hide = suppressCells(
		levels.map((l) => (holds((i, open) => hasFollowup(i, open) && (Number.isNaN(panel.sessions[i]!) ? 0 : panel.sessions[i]!) === l) ? bySessions.get(l)!.length : 1)),
		k
	);
	const sessions: SessionsChange = {
		rho: rho ? { n: rho.n, rho: rho.rho, ci_low: rho.ci_low, ci_high: rho.ci_high, p: rho.p } : null,
		groups: levels.map((l, i) => ({ sessions: l, change: hide.has(i) ? SUPPRESSED : meanChange(pick(completers, bySessions.get(l)!), k) }))
	};
	return {
		waterfall: { changes: picks.map((i) => changes[sorted[i]!]!), sampled, n },
		pairs: { points: picks.map((i) => [completers.base[sorted[i]!]!, completers.fu[sorted[i]!]!] as [number, number]), sampled, n },
		regression_to_mean: rtm,
		sessions
	};
}
