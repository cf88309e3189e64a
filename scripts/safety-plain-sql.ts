/**
 * The safety figures' counts computed a second way, in plain SQL only, for the benchmark (and the
 * seed's test) to hold `safetyFigures` against: per patient by LATERAL subqueries through the
 * indexes (no shared CTEs, no window functions: a visit's next one is the earliest later live
 * visit), then summed per condition. The same definitions as src/lib/server/safety/figures.ts,
 * written apart from it; the rates, intervals and small-cell rule are then the same pure
 * functions ($lib/safety), which unit tests hold against SciPy.
 */
import { sql, type SQL } from 'drizzle-orm';
import { executeRows, type Db } from '../src/lib/server/db';
import { buildSafetyFigures, type FlareCounts, type SafetyCounts, type SafetyFigures } from '../src/lib/safety/figures';
import { buildStressFlare, STRESS_INSTRUMENTS, type DifferenceSums, type StressInstrument } from '../src/lib/safety/stress-flare';
import { buildFlareTrend, onsetMonth, type FollowUpCount, type MonthOnsets } from '../src/lib/safety/flare-trend';

const EARLY_DAYS = 84;
const n = (x: unknown) => Number(x ?? 0);

function conditionFilter(conditions: string[]): SQL {
	return conditions.length ? sql`and p.condition_code in (${sql.join(conditions.map((c) => sql`${c}`), sql`, `)})` : sql``;
}

export async function plainSafetyFigures(db: Db, conditions: string[], k: number): Promise<SafetyFigures> {
	const rows = await executeRows(
		db,
		sql`select p.condition_code, count(*) as patients, sum(vs.visits) as visits, sum(vs.asked) as asked, sum(vs.sessions) as sessions,
				sum(ev.events) as events, count(*) filter (where ev.events > 0) as with_event, sum(ev.serious) as serious,
				sum(least(vs.last_day - vs.first_day, ${EARLY_DAYS}::int)) as early_days,
				sum(greatest(vs.last_day - vs.first_day - ${EARLY_DAYS}::int, 0)) as later_days,
				sum(fl.early) as early_flares, sum(fl.later) as later_flares
			from patients p
			cross join lateral (
				select count(*) as visits, count(*) filter (where v.ae_answer <> 'not_asked') as asked,
					coalesce(sum(v.acupuncture_sessions), 0) as sessions, min(v.visit_date) as first_day, max(v.visit_date) as last_day
				from visits v where v.patient_id = p.id and not v.voided
			) vs
			cross join lateral (
				select count(*) as events, count(*) filter (where e.serious) as serious
				from adverse_events e where e.patient_id = p.id and not e.voided
			) ev
			cross join lateral (
				select count(*) filter (where f.onset_on - vs.first_day < ${EARLY_DAYS}::int) as early,
					count(*) filter (where f.onset_on - vs.first_day >= ${EARLY_DAYS}::int) as later
				from flare_episodes f
				where f.patient_id = p.id and not f.voided and f.onset_on between vs.first_day and vs.last_day
			) fl
			where vs.visits > 0 ${conditionFilter(conditions)}
			group by p.condition_code
			order by p.condition_code`
	);
	const counts: SafetyCounts[] = rows.map((r) => ({
		condition: String(r.condition_code),
		patients: n(r.patients),
		visits: n(r.visits),
		asked: n(r.asked),
		sessions: n(r.sessions),
		events: n(r.events),
		patientsWithEvent: n(r.with_event),
		seriousEvents: n(r.serious)
	}));
	const flares: FlareCounts[] = rows.map((r) => ({
		condition: String(r.condition_code),
		patients: n(r.patients),
		earlyDays: n(r.early_days),
		laterDays: n(r.later_days),
		earlyFlares: n(r.early_flares),
		laterFlares: n(r.later_flares)
	}));
	return {
		...buildSafetyFigures(counts, flares, k),
		flare_trend: await plainFlareTrend(db, conditions, k),
		stress_flare: buildStressFlare(await plainStressSums(db, conditions), k)
	};
}

/**
 * The flare trend by month in treatment: SQL gives each patient's follow-up (last − first live
 * visit) and each live flare's day from the first visit; the month an onset counts in is
 * `onsetMonth`'s rule, applied here in JavaScript (the app does it in SQL).
 */
async function plainFlareTrend(db: Db, conditions: string[], k: number) {
	const rows = await executeRows(
		db,
		sql`select p.condition_code, vs.last_day - vs.first_day as days, null::int as onset_day
			from patients p
			cross join lateral (select min(v.visit_date) as first_day, max(v.visit_date) as last_day from visits v where v.patient_id = p.id and not v.voided) vs
			where vs.first_day is not null ${conditionFilter(conditions)}
			union all
			select p.condition_code, vs.last_day - vs.first_day, f.onset_on - vs.first_day
			from patients p
			cross join lateral (select min(v.visit_date) as first_day, max(v.visit_date) as last_day from visits v where v.patient_id = p.id and not v.voided) vs
			join flare_episodes f on f.patient_id = p.id and not f.voided
			where vs.first_day is not null ${conditionFilter(conditions)}`
	);
	const followUps = new Map<string, FollowUpCount>();
	const onsets = new Map<string, MonthOnsets>();
	for (const r of rows) {
		const condition = String(r.condition_code);
		const days = n(r.days);
		if (r.onset_day === null || r.onset_day === undefined) {
			const key = `${condition}|${days}`;
			const f = followUps.get(key) ?? followUps.set(key, { condition, days, patients: 0 }).get(key)!;
			f.patients++;
			continue;
		}
		const month = onsetMonth(n(r.onset_day), days);
		if (month === null) continue;
		const key = `${condition}|${month}`;
		const o = onsets.get(key) ?? onsets.set(key, { condition, month, onsets: 0 }).get(key)!;
		o.onsets++;
	}
	return buildFlareTrend([...followUps.values()], [...onsets.values()], k);
}

/** Per instrument and condition: patients with visits of both kinds, and the sum and sum of squares of their differences. */
async function plainStressSums(db: Db, conditions: string[]): Promise<Record<StressInstrument, DifferenceSums[]>> {
	const rows = await executeRows(
		db,
		sql`with scored as (
				select r.instrument_id, v.patient_id, v.visit_date, rs.value as score,
					(select min(w.visit_date) from visits w where w.patient_id = v.patient_id and not w.voided and w.visit_date > v.visit_date) as next_date
				from patients p
				join visits v on v.patient_id = p.id and not v.voided
				join responses r on r.visit_id = v.id and r.instrument_id in (${sql.join(STRESS_INSTRUMENTS.map((i) => sql`${i}`), sql`, `)})
				join response_scores rs on rs.response_id = r.id and rs.scale = 'total' and rs.value is not null
				where true ${conditionFilter(conditions)}
			),
			marked as (
				select s.*, exists (
					select 1 from flare_episodes f
					where f.patient_id = s.patient_id and not f.voided and f.onset_on > s.visit_date and f.onset_on <= s.next_date
				) as flared
				from scored s where s.next_date is not null
			),
			per_patient as (
				select instrument_id, patient_id,
					sum(score) filter (where flared) / count(*) filter (where flared)
						- sum(score) filter (where not flared) / count(*) filter (where not flared) as diff
				from marked
				group by instrument_id, patient_id
				having count(*) filter (where flared) > 0 and count(*) filter (where not flared) > 0
			)
			select pp.instrument_id, p.condition_code, count(*) as patients, sum(pp.diff)::float8 as sum, sum(pp.diff * pp.diff)::float8 as sum_sq
			from per_patient pp join patients p on p.id = pp.patient_id
			group by pp.instrument_id, p.condition_code
			order by pp.instrument_id, p.condition_code`
	);
	const out = Object.fromEntries(STRESS_INSTRUMENTS.map((i) => [i, [] as DifferenceSums[]])) as Record<StressInstrument, DifferenceSums[]>;
	for (const r of rows) out[r.instrument_id as StressInstrument].push({ condition: String(r.condition_code), patients: n(r.patients), sum: n(r.sum), sumSq: n(r.sum_sq) });
	return out;
}
