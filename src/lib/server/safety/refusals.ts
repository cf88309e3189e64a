/**
 * What the database's safety rules (CHECKs, triggers named like constraints, foreign keys) say
 * at the field they concern. The forms check all of these first; this is the last line.
 */
import { isCheckViolation, isForeignKeyViolation, pgConstraint } from '../errors';

const AT_FIELD: Record<string, [string, string]> = {
	adverse_events_onset_after_enrolment: ['onsetOn', 'The onset cannot be before the patient’s enrolment.'],
	adverse_events_onset_not_future: ['onsetOn', 'The onset date cannot be in the future.'],
	adverse_events_resolution_not_future: ['resolvedOn', 'The resolution date cannot be in the future.'],
	adverse_events_visit_same_patient: ['visitId', 'Choose one of this patient’s visits.'],
	adverse_events_onset_after_visit: ['onsetOn', 'The onset cannot be before the visit it followed.'],
	adverse_events_visit_id_visits_id_fk: ['visitId', 'Choose one of this patient’s visits.'],
	adverse_events_category_code_ae_categories_code_fk: ['categoryCode', 'Choose the kind of event from the list.'],
	adverse_events_resolution_after_onset: ['resolvedOn', 'The resolution cannot be before the onset.'],
	adverse_events_unresolved_has_no_date: ['resolvedOn', 'An event still going on has no resolution date.'],
	adverse_events_serious_has_criterion: ['seriousCriteria', 'A serious event meets at least one criterion, and only a serious one does.'],
	adverse_events_criteria_known: ['seriousCriteria', 'Choose criteria from the list.'],
	adverse_events_fatal_is_death: ['seriousCriteria', 'A fatal outcome is serious (“Resulted in death”).'],
	adverse_events_other_specified: ['categoryDetail', 'Say what kind of event it was.'],
	adverse_events_detail_length: ['categoryDetail', 'Keep the specification under 200 characters.'],
	adverse_events_note_length: ['note', 'Keep the note under 2000 characters.'],
	adverse_events_severity_known: ['severity', 'Choose mild, moderate or severe.'],
	adverse_events_relatedness_known: ['relatedness', 'Choose how likely the treatment caused it.'],
	adverse_events_action_known: ['actionTaken', 'Choose the action taken.'],
	adverse_events_outcome_known: ['outcome', 'Choose the outcome.'],
	flare_episodes_onset_after_enrolment: ['onsetOn', 'The onset cannot be before the patient’s enrolment.'],
	flare_episodes_onset_not_future: ['onsetOn', 'The onset date cannot be in the future.'],
	flare_episodes_end_not_future: ['endedOn', 'The end date cannot be in the future.'],
	flare_episodes_end_after_onset: ['endedOn', 'The end cannot be before the onset.'],
	flare_episodes_severity_known: ['severity', 'Choose mild, moderate or severe.'],
	flare_episodes_triggers_known: ['triggers', 'Choose triggers from the list.'],
	flare_episodes_note_length: ['note', 'Keep the note under 2000 characters.']
};

/** The refusal for a database error, or null when it is not one of these rules (rethrow it). */
export function refusal(err: unknown): { ok: false; field: string; message: string } | null {
	if (!isCheckViolation(err) && !isForeignKeyViolation(err)) return null;
	const known = AT_FIELD[pgConstraint(err).name ?? ''];
	if (known) return { ok: false, field: known[0], message: known[1] };
	return { ok: false, field: 'form', message: 'A value was outside its allowed range, so nothing was saved.' };
}

export const CONFLICT_MESSAGE = 'Someone else saved this after you opened it. Nothing was overwritten; their version is shown.';
export const ARCHIVED = 'This patient is archived; restore them first.';
