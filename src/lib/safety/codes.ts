/**
 * The fixed code lists of adverse events and flare episodes, with the words the forms show. The
 * database's CHECKs are built from these same lists (schema/safety.ts), so they cannot drift.
 */

export const AE_SEVERITIES = ['mild', 'moderate', 'severe'] as const;

/**
 * ICH E2A (1994), "Clinical safety data management: definitions and standards for expedited
 * reporting", section II.B: an adverse event is serious when it results in death, is
 * life-threatening, requires or prolongs hospitalisation, results in persistent or significant
 * disability, is a congenital anomaly, or is another important medical event.
 */
export const SERIOUS_CRITERIA = ['death', 'life_threatening', 'hospitalisation', 'disability', 'congenital_anomaly', 'other_important'] as const;

/**
 * WHO-UMC causality categories ("The use of the WHO-UMC system for standardised case causality
 * assessment", Uppsala Monitoring Centre): certain, probable/likely, possible, unlikely,
 * conditional/unclassified, unassessable/unclassifiable.
 */
export const RELATEDNESS = ['certain', 'probable', 'possible', 'unlikely', 'conditional', 'unassessable'] as const;

export const AE_ACTIONS = ['none', 'treatment_adjusted', 'treatment_paused', 'treatment_stopped', 'medical_care', 'other'] as const;

export const AE_OUTCOMES = ['recovered', 'recovering', 'not_recovered', 'recovered_with_after_effects', 'fatal', 'unknown'] as const;

/** "Adverse events since the last visit?" — an explicit answer, so "none" and "not asked" differ. */
export const AE_ANSWERS = ['not_asked', 'none', 'yes'] as const;

export const FLARE_SEVERITIES = ['mild', 'moderate', 'severe'] as const;
export const FLARE_TRIGGERS = ['stress', 'infection', 'medication_change', 'sleep', 'diet', 'other'] as const;

export type AeSeverity = (typeof AE_SEVERITIES)[number];
export type SeriousCriterion = (typeof SERIOUS_CRITERIA)[number];
export type Relatedness = (typeof RELATEDNESS)[number];
export type AeAction = (typeof AE_ACTIONS)[number];
export type AeOutcome = (typeof AE_OUTCOMES)[number];
export type AeAnswer = (typeof AE_ANSWERS)[number];
export type FlareSeverity = (typeof FLARE_SEVERITIES)[number];
export type FlareTrigger = (typeof FLARE_TRIGGERS)[number];

export const SEVERITY_LABELS: Record<AeSeverity, string> = { mild: 'Mild', moderate: 'Moderate', severe: 'Severe' };
export const CRITERION_LABELS: Record<SeriousCriterion, string> = {
	death: 'Resulted in death',
	life_threatening: 'Life-threatening',
	hospitalisation: 'Hospital admission, or a longer stay',
	disability: 'Persistent or significant disability',
	congenital_anomaly: 'Congenital anomaly',
	other_important: 'Other important medical event'
};
export const RELATEDNESS_LABELS: Record<Relatedness, string> = {
	certain: 'Certain',
	probable: 'Probable / likely',
	possible: 'Possible',
	unlikely: 'Unlikely',
	conditional: 'Conditional / unclassified',
	unassessable: 'Unassessable / unclassifiable'
};
export const ACTION_LABELS: Record<AeAction, string> = {
	none: 'None',
	treatment_adjusted: 'Treatment adjusted',
	treatment_paused: 'Treatment paused',
	treatment_stopped: 'Treatment stopped',
	medical_care: 'Referred for medical care',
	other: 'Other'
};
export const OUTCOME_LABELS: Record<AeOutcome, string> = {
	recovered: 'Recovered',
	recovering: 'Recovering',
	not_recovered: 'Not recovered',
	recovered_with_after_effects: 'Recovered with after-effects',
	fatal: 'Fatal',
	unknown: 'Unknown'
};
export const AE_ANSWER_LABELS: Record<AeAnswer, string> = { not_asked: 'Not asked', none: 'None', yes: 'Yes' };
export const TRIGGER_LABELS: Record<FlareTrigger, string> = {
	stress: 'Stress',
	infection: 'Infection',
	medication_change: 'Change of medication',
	sleep: 'Sleep',
	diet: 'Diet',
	other: 'Other'
};

/** [code, label] pairs in list order, for SelectField. */
export const options = <C extends string>(codes: readonly C[], labels: Record<C, string>) => codes.map((c) => [c, labels[c]] as const);
