/**
 * The seed's safety and stress data: adverse events after treatment sessions, the visit's
 * "adverse events since the last visit" answer, flare episodes between visits, and PSS-10 / GAD-7
 * answers. The rates and why they were chosen: docs/performance.md ("Seed") and docs/safety.md.
 * Every row respects the database's rules (onset on or after a visit, so after enrolment; nothing
 * after today; resolution and end not before onset; a serious event names a criterion).
 */
import type { adverseEvents, flareEpisodes } from '../src/lib/server/db/schema';
import type { AeAnswer, AeOutcome, Relatedness } from '../src/lib/safety/codes';

const DAY = 86_400_000;

export interface Rng {
	random: () => number;
	normal: () => number;
}

/**
 * A recorded adverse event per treatment session: 0.4 %. Witt et al. 2009 (Forsch Komplementmed
 * 16:91-97; 229,230 patients) found 8.6 % of patients reporting at least one adverse event over
 * their course; at the seed's mean of about 23 sessions per patient, 0.4 % per session gives 8.6 %
 * of patients (1 − 0.996^S averaged over the seed's spread of S). The York and doctors' surveys
 * counted far more per consultation because they counted every mild transient reaction.
 */
export const AE_PER_SESSION = 0.004;
/** Serious events: 0.05 per 10,000 treatments (White, Acupunct Med 2004;22:122-33, cumulative review). */
export const SERIOUS_PER_SESSION = 0.05 / 10_000;
/** Witt 2009: 2.2 % of patients needed treatment for an event, a quarter of the 8.6 % with one. */
const MEDICAL_CARE_SHARE = 0.25;
/** Visits at which nobody recorded the answer (our assumption of a clinic's documentation gaps). */
export const NOT_ASKED_SHARE = 0.08;
/** Flare onsets per patient-year in the first 12 weeks and after (synthetic; not from a source). */
export const FLARES_PER_YEAR_EARLY = 2.0;
export const FLARES_PER_YEAR_LATER = 1.4;
/** Hazard ratio of a flare per standard deviation of the visit's stress (synthetic). */
const STRESS_LOG_HAZARD = 0.35;
export const VOIDED_SHARE = 0.01;

/** Kinds of non-serious event with their shares: bleeding or bruising most often, as in every survey. */
const MINOR_KINDS: [string, number, Relatedness[]][] = [
	['bleeding_bruising', 0.55, ['certain', 'certain', 'probable']],
	['needle_site_pain', 0.18, ['certain', 'probable', 'probable']],
	['dizziness_fainting', 0.07, ['probable', 'possible']],
	['tiredness_drowsiness', 0.06, ['probable', 'possible', 'unlikely']],
	['symptoms_worse', 0.05, ['possible', 'unlikely', 'unassessable']],
	['headache', 0.03, ['possible', 'unlikely']],
	['nausea', 0.02, ['possible', 'unlikely']],
	['skin_reaction', 0.02, ['probable', 'possible']],
	['other', 0.01, ['possible', 'unassessable']],
	['needle_retained', 0.005, ['certain']],
	['heat_burn', 0.005, ['certain']]
];
const SERIOUS_KINDS: [string, number][] = [
	['pneumothorax', 0.35],
	['nerve_organ_injury', 0.25],
	['skin_reaction', 0.2],
	['dizziness_fainting', 0.2]
];

function weighted<X extends readonly [string, number, ...unknown[]]>(random: () => number, xs: readonly X[]): X {
	let r = random() * xs.reduce((a, x) => a + x[1], 0);
	for (const x of xs) if ((r -= x[1]) <= 0) return x;
	return xs[xs.length - 1]!;
}
const iso = (t: number) => new Date(t).toISOString().slice(0, 10);

/** The visit's stress in 0..1 from the patient's trait (a standard normal) and the visit's severity. */
export function visitStress(rng: Rng, trait: number, severity: number): { level: number; z: number } {
	const z = 0.8 * trait + 0.6 * rng.normal();
	return { level: Math.min(1, Math.max(0, 0.42 + 0.12 * z + 0.15 * (severity - 0.5))), z };
}

/**
 * PSS-10 (items 0–4; 4, 5, 7 and 8 worded positively, so answered low when stressed) or GAD-7
 * (items 0–3) answers at a stress level: PSS-10 totals centre near 17, GAD-7 near 6.
 */
export function stressAnswers(rng: Rng, instrument: 'pss10' | 'gad7', level: number): Record<string, number> {
	const item = (x: number, max: number) => Math.round(Math.min(1, Math.max(0, x + rng.normal() * 0.15)) * max);
	if (instrument === 'pss10') return Object.fromEntries(Array.from({ length: 10 }, (_, i) => [String(i + 1), [4, 5, 7, 8].includes(i + 1) ? item(1 - level, 4) : item(level, 4)]));
	return Object.fromEntries(Array.from({ length: 7 }, (_, i) => [String(i + 1), item(level - 0.15, 3)]));
}

/** The answer recorded at a visit, given whether an event followed the previous one. */
export function aeAnswer(rng: Rng, eventSincePrevious: boolean): AeAnswer {
	if (eventSincePrevious) return 'yes';
	return rng.random() < NOT_ASKED_SHARE ? 'not_asked' : 'none';
}

type AeRow = typeof adverseEvents.$inferInsert;
type FlareRow = typeof flareEpisodes.$inferInsert;

/**
 * The adverse events following one treatment visit's sessions (usually none). Onset the visit's
 * day, or the next when that is before the next visit and not after today.
 */
export function eventsAfterVisit(rng: Rng, v: { patientId: string; visitId: string; day: number; sessions: number; nextDay: number | null; today: number }): AeRow[] {
	const { random } = rng;
	const out: AeRow[] = [];
	const onsetDay = random() < 0.25 && v.day + DAY <= v.today && (v.nextDay === null || v.day + DAY < v.nextDay) ? v.day + DAY : v.day;
	const resolved = (meanDays: number) => iso(Math.min(v.today, onsetDay + Math.floor(-Math.log(1 - random()) * meanDays) * DAY));
	const voided = () => random() < VOIDED_SHARE;
	const base = (category: string, voidedNow: boolean) => ({
		patientId: v.patientId,
		visitId: v.visitId,
		onsetOn: iso(onsetDay),
		categoryCode: category,
		categoryDetail: category === 'other' ? 'Synthetic: another reaction' : null,
		note: null,
		voided: voidedNow,
		voidReason: voidedNow ? 'entered in error (synthetic)' : null
	});
	if (random() < 1 - (1 - AE_PER_SESSION) ** v.sessions) {
		const [category, , relatedness] = weighted(random, MINOR_KINDS);
		const r = random();
		const outcome: AeOutcome = r < 0.85 ? 'recovered' : r < 0.86 ? 'recovered_with_after_effects' : r < 0.89 ? 'recovering' : r < 0.9 ? 'not_recovered' : 'unknown';
		const a = random();
		out.push({
			...base(category, voided()),
			severity: random() < 0.8 ? 'mild' : random() < 0.85 ? 'moderate' : 'severe',
			serious: false,
			seriousCriteria: [],
			relatedness: relatedness[Math.floor(random() * relatedness.length)]!,
			actionTaken: a < MEDICAL_CARE_SHARE ? 'medical_care' : a < MEDICAL_CARE_SHARE + 0.1 ? 'treatment_adjusted' : a < MEDICAL_CARE_SHARE + 0.13 ? 'treatment_paused' : 'none',
			outcome,
			resolvedOn: outcome === 'recovered' || outcome === 'recovered_with_after_effects' ? resolved(3) : null
		});
	}
	if (random() < 1 - (1 - SERIOUS_PER_SESSION) ** v.sessions) {
		const [category] = weighted(random, SERIOUS_KINDS);
		const recovered = random() < 0.8;
		out.push({
			...base(category, false),
			severity: random() < 0.6 ? 'severe' : 'moderate',
			serious: true,
			seriousCriteria: [random() < 0.7 ? 'hospitalisation' : 'other_important'],
			relatedness: random() < 0.6 ? 'probable' : random() < 0.75 ? 'possible' : 'certain',
			actionTaken: 'medical_care',
			outcome: recovered ? 'recovered' : 'recovering',
			resolvedOn: recovered ? resolved(14) : null
		});
	}
	return out;
}

/**
 * A flare whose onset falls after one visit and on or before the next, or none: a Poisson hazard
 * per year (higher in the first 12 weeks from enrolment), raised by the visit's stress.
 */
export function flareBetween(rng: Rng, v: { patientId: string; day: number; nextDay: number; enrolled: number; stressZ: number; today: number }): FlareRow | null {
	const { random } = rng;
	const days = Math.round((v.nextDay - v.day) / DAY);
	const perYear = (v.day - v.enrolled < 84 * DAY ? FLARES_PER_YEAR_EARLY : FLARES_PER_YEAR_LATER) * Math.exp(STRESS_LOG_HAZARD * v.stressZ);
	if (random() >= 1 - Math.exp((-perYear * days) / 365.25)) return null;
	const onset = v.day + (1 + Math.floor(random() * days)) * DAY;
	const end = onset + (3 + Math.floor(random() * 25)) * DAY;
	const s = random();
	const severity = s < 0.5 ? 'mild' : s < 0.9 ? 'moderate' : 'severe';
	const triggers: string[] = [];
	if (random() < (v.stressZ > 0.5 ? 0.6 : 0.2)) triggers.push('stress');
	for (const [code, p] of [['infection', 0.15], ['medication_change', 0.05], ['sleep', 0.15], ['diet', 0.05], ['other', 0.03]] as const) if (random() < p) triggers.push(code);
	const voided = random() < VOIDED_SHARE;
	return {
		patientId: v.patientId,
		onsetOn: iso(onset),
		endedOn: end <= v.today ? iso(end) : null,
		severity,
		triggers,
		treatmentChanged: random() < (severity === 'severe' ? 0.6 : severity === 'moderate' ? 0.25 : 0.05),
		note: null,
		voided,
		voidReason: voided ? 'entered in error (synthetic)' : null
	};
}
