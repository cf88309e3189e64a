/**
 * The evidence report engine (issue 20): a plan's report from the clinic's data. The plan store
 * (src/lib/server/plans) hands it a locked plan; the page, the CSV and `GET /api/reports/<id>`
 * show what it returns. One SQL statement reduces the data to a row per patient and outcome
 * (./panel.ts); the statistics are computed from those rows ($lib/reports/assemble).
 */
import type { Db } from '../db';
import type { Role } from '../db/schema';
import { getInstrument } from '../../instruments';
import { outcomeLabel } from '../../instrument-display';
import { assembleReport, type PlanMeta } from '../../reports/assemble';
import type { EvidenceReport, OutcomeInfo, OutcomeRef, PlanBody } from '../../reports/types';
import { planOutcomes, readKeptPanel, readPanel } from './panel';
import { mayFilterByDay, periodErrors, periodEdges } from '../../privacy/periods';
import { combinesPeriodAndSessions, PERIOD_AND_SESSIONS } from '../../validation/plans';

export interface ComputeOptions {
	/** Small-cell threshold (the `k` setting). */
	k: number;
	/**
	 * The caller's role. Every role gets the same small cells withheld (the report is an export);
	 * below admin, a plan with an enrolment period also gets the cross-query edge rule.
	 */
	role: Role;
	/** The day "not yet due" is judged on (YYYY-MM-DD); today when absent. */
	asOf?: string;
	/** The locked version the plan is: its kept panel is read (./panel.ts, readKeptPanel) instead of computed. */
	versionId?: string;
}

/** An outcome's name, direction and responder threshold: the plan's threshold for the primary, else the instrument's MCID. */
export function outcomeInfo(ref: OutcomeRef, planThreshold?: number): OutcomeInfo {
	const def = getInstrument(ref.instrument);
	const scale = def?.scales.find((s) => s.key === ref.scale);
	if (!def || !scale) throw new Error(`unknown instrument scale ${ref.instrument}/${ref.scale}`);
	const mcid = def.mcid.find((m) => m.scale === ref.scale) ?? null;
	const threshold = planThreshold ?? mcid?.value ?? null;
	return {
		instrument: ref.instrument,
		scale: ref.scale,
		name: def.shortName,
		scale_label: scale.label,
		label: outcomeLabel(ref.instrument, ref.scale),
		higher_is_better: scale.higherIsBetter,
		threshold,
		threshold_source: planThreshold !== undefined ? 'plan' : mcid ? 'mcid' : null,
		mcid_population: planThreshold === undefined && mcid ? mcid.population : null
	};
}

const today = () => new Date().toISOString().slice(0, 10);

/** A plan whose enrolment period is not whole quarters, asked for by someone below admin. */
export class ReportPeriodRefused extends Error {
	constructor() {
		super('This plan filters enrolment by day: only administrators may see its report. Periods must be whole quarters for everyone else.');
	}
}

/** A plan with both an enrolment period and a minimum number of sessions, asked for by someone below admin. */
export class ReportChoiceRefused extends Error {
	constructor() {
		super('This plan selects patients by enrolment period and by number of sessions: only administrators may see its report. ' + PERIOD_AND_SESSIONS);
	}
}

/**
 * The report. Below admin the cross-query rules apply ($lib/reports/assemble, `CrossQuery`): with
 * an enrolment period, the period must be whole quarters (else ReportPeriodRefused) and the panel
 * reads every period's patients, marking those inside; conditions and the minimum number of
 * sessions are checked on the rows as they are; a plan with both is refused (ReportChoiceRefused).
 */
export async function computeReport(db: Db, plan: PlanBody, meta: PlanMeta, opts: ComputeOptions): Promise<EvidenceReport> {
	const outcomes = planOutcomes(plan).map((o, i) => outcomeInfo(o, i === 0 ? plan.responder_threshold : undefined));
	const asOf = opts.asOf ?? today();
	const period = { from: plan.enrolled_from, to: plan.enrolled_to };
	const crossQuery = !mayFilterByDay(opts.role);
	const withPeriod = crossQuery && Boolean(period.from || period.to);
	if (withPeriod && Object.keys(periodErrors(period)).length > 0) throw new ReportPeriodRefused();
	if (crossQuery && combinesPeriodAndSessions(plan)) throw new ReportChoiceRefused();
	const edges = withPeriod ? periodEdges(period) : [];
	const kept = opts.versionId ? await readKeptPanel(db, opts.versionId, plan, asOf, withPeriod) : null;
	const rows = kept ?? (await readPanel(db, plan, asOf, withPeriod));
	return assembleReport(plan, meta, outcomes, rows, opts.k, asOf, crossQuery ? { edges, minSessions: plan.min_sessions } : null);
}
