/**
 * Safety figures for /safety and GET /api/safety, aggregated in SQL (nothing per patient comes
 * to Node but the short list of serious events). The patients counted are those of the chosen
 * conditions with at least one live visit; their baseline is their first live visit, and their
 * observed time runs to their last. Rates, intervals and the small-cell rule: $lib/safety/figures.
 */
import { sql } from 'drizzle-orm';
import { executeRows, type Db } from '../db';
import { andConditions, cohortCte, type SafetyQuery } from './cohort';
import { buildSafetyFigures, type FlareCounts, type SafetyCounts, type SafetyFigures } from '../../safety/figures';
import { EARLY_DAYS } from '../../safety/rates';
import { flareTrend } from './flare-trend';
import { buildStressFlare, STRESS_INSTRUMENTS, type DifferenceSums, type StressInstrument } from '../../safety/stress-flare';

export type { SafetyQuery };

const num = (x: unknown) => Number(x ?? 0);

/**
 * Per condition, in one pass over the cohort's summary rows: the event counts (live events of
 * each patient, any date) and the flare counts (live onsets from the baseline to the last visit,
 * early when before day EARLY_DAYS, kept per patient in the summary), with the patient-days of
 * each period.
 */
async function conditionCounts(db: Db, q: SafetyQuery): Promise<{ counts: SafetyCounts[]; flares: FlareCounts[] }> {
	const rows = await executeRows(
		db,
		sql`with ${cohortCte(q)},
			e as (
				select e.patient_id, count(*)::int as events, (count(*) filter (where e.serious))::int as serious
				from adverse_events e
				where not e.voided
				group by e.patient_id
			)
			select v.condition_code, count(*)::int as patients, sum(v.visits)::int as visits, sum(v.asked)::int as asked,
				sum(v.sessions)::int as sessions, coalesce(sum(e.events), 0)::int as events,
				count(e.patient_id)::int as patients_with_event, coalesce(sum(e.serious), 0)::int as serious_events,
				sum(least(v.last_visit - v.baseline, ${EARLY_DAYS}::int))::int as early_days,
				sum(greatest(v.last_visit - v.baseline - ${EARLY_DAYS}::int, 0))::int as later_days,
				sum(v.early_flares)::int as early_flares, sum(v.later_flares)::int as later_flares
			from v left join e on e.patient_id = v.patient_id
			group by v.condition_code
			order by v.condition_code`
	);
	return {
		counts: rows.map((r) => ({
			condition: String(r.condition_code),
			patients: num(r.patients),
			visits: num(r.visits),
			asked: num(r.asked),
			sessions: num(r.sessions),
			events: num(r.events),
			patientsWithEvent: num(r.patients_with_event),
			seriousEvents: num(r.serious_events)
		})),
		flares: rows.map((r) => ({
			condition: String(r.condition_code),
			patients: num(r.patients),
			earlyDays: num(r.early_days),
			laterDays: num(r.later_days),
			earlyFlares: num(r.early_flares),
			laterFlares: num(r.later_flares)
		}))
	};
}

/**
 * Per stress instrument and condition: the patients with both kinds of visit, and the sum and sum
 * of squares of their within-patient differences (mean total score at visits followed by a flare
 * onset after the visit and on or before the next live visit, minus the mean at visits not so
 * followed). A patient's last visit has no next one and is left out. Voided flares do not count.
 * Each patient's counts and sums of both kinds are kept by the database in `patient_stress_flare`
 * (migration 0033), so this reads one row per patient and instrument.
 */
async function stressFlareSums(db: Db, q: SafetyQuery): Promise<Record<StressInstrument, DifferenceSums[]>> {
	const ids = sql.join(STRESS_INSTRUMENTS.map((i) => sql`${i}`), sql`, `);
	const rows = await executeRows(
		db,
		sql`select s.instrument_id, s.condition_code, count(*)::int as patients, sum(d.diff)::float8 as sum, sum(d.diff * d.diff)::float8 as sum_sq
			from patient_stress_flare s
			cross join lateral (select s.flared_sum / s.flared_visits - s.other_sum / s.other_visits as diff) d
			where s.instrument_id in (${ids}) and s.flared_visits > 0 and s.other_visits > 0 ${andConditions(q, 's')}
			group by s.instrument_id, s.condition_code
			order by s.instrument_id, s.condition_code`
	);
	const out = Object.fromEntries(STRESS_INSTRUMENTS.map((i) => [i, [] as DifferenceSums[]])) as Record<StressInstrument, DifferenceSums[]>;
	for (const r of rows) out[r.instrument_id as StressInstrument]?.push({ condition: String(r.condition_code), patients: num(r.patients), sum: num(r.sum), sumSq: num(r.sum_sq) });
	return out;
}

/** The figures of the API's shape, k applied. */
export async function safetyFigures(db: Db, q: SafetyQuery, k: number): Promise<SafetyFigures> {
	const [{ counts, flares }, stress, trend] = await Promise.all([conditionCounts(db, q), stressFlareSums(db, q), flareTrend(db, q, k)]);
	return { ...buildSafetyFigures(counts, flares, k), flare_trend: trend, stress_flare: buildStressFlare(stress, k) };
}

export interface Breakdown {
	condition: string;
	dimension: 'category' | 'severity' | 'relatedness';
	value: string;
	events: number;
}

/** Live events by category, severity and relatedness, per condition (the page shows the groups not withheld). */
export async function safetyBreakdown(db: Db, q: SafetyQuery): Promise<Breakdown[]> {
	const rows = await executeRows(
		db,
		sql`with ${cohortCte(q)}
			select v.condition_code, d.dimension, d.value, count(*)::int as events
			from adverse_events e join v on v.patient_id = e.patient_id
			cross join lateral (values ('category', e.category_code), ('severity', e.severity), ('relatedness', e.relatedness)) as d(dimension, value)
			where not e.voided
			group by v.condition_code, d.dimension, d.value
			order by v.condition_code, d.dimension, events desc, d.value`
	);
	return rows.map((r) => ({ condition: String(r.condition_code), dimension: r.dimension as Breakdown['dimension'], value: String(r.value), events: num(r.events) }));
}

export interface SeriousListed {
	eventId: string;
	patientId: string;
	condition: string;
	daysSinceBaseline: number;
	category: string;
	severity: string;
	relatedness: string;
	outcome: string;
}

/** Live serious events of the chosen conditions, with the days from the patient's baseline to onset. */
export async function seriousEvents(db: Db, q: SafetyQuery): Promise<SeriousListed[]> {
	const rows = await executeRows(
		db,
		sql`with ${cohortCte(q)}
			select e.id, e.patient_id, v.condition_code, (e.onset_on - v.baseline)::int as days, e.category_code, e.severity, e.relatedness, e.outcome
			from adverse_events e join v on v.patient_id = e.patient_id
			where e.serious and not e.voided
			order by v.condition_code, days, e.id
			limit 500`
	);
	return rows.map((r) => ({
		eventId: String(r.id),
		patientId: String(r.patient_id),
		condition: String(r.condition_code),
		daysSinceBaseline: num(r.days),
		category: String(r.category_code),
		severity: String(r.severity),
		relatedness: String(r.relatedness),
		outcome: String(r.outcome)
	}));
}
