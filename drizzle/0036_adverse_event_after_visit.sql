-- An adverse event linked to the treatment visit it followed starts on or after that visit's date
-- (a walk-through recorded an onset of 2024-08-20 against a visit of 2024-09-06, and it was
-- accepted). The rule joins the others of adverse_events_check_dates (0018), named like a
-- constraint so the app says it at the onset's field. Rows already stored are not re-checked;
-- an edit of such a row's onset or visit is, as every edit is. A visit's date moved later than a
-- live event linked to it is refused by 0037.
CREATE OR REPLACE FUNCTION adverse_events_check_dates() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	enrolled date;
	visit_day date;
BEGIN
	SELECT enrolled_on INTO enrolled FROM patients WHERE id = NEW.patient_id;
	IF NEW.onset_on < enrolled THEN
		RAISE EXCEPTION 'onset % is before enrolment %', NEW.onset_on, enrolled USING ERRCODE = 'check_violation', CONSTRAINT = 'adverse_events_onset_after_enrolment';
	END IF;
	IF NEW.onset_on > current_date + 1 THEN
		RAISE EXCEPTION 'onset % is in the future', NEW.onset_on USING ERRCODE = 'check_violation', CONSTRAINT = 'adverse_events_onset_not_future';
	END IF;
	IF NEW.resolved_on > current_date + 1 THEN
		RAISE EXCEPTION 'resolution % is in the future', NEW.resolved_on USING ERRCODE = 'check_violation', CONSTRAINT = 'adverse_events_resolution_not_future';
	END IF;
	IF NEW.visit_id IS NOT NULL THEN
		SELECT visit_date INTO visit_day FROM visits WHERE id = NEW.visit_id AND patient_id = NEW.patient_id;
		IF NOT FOUND THEN
			RAISE EXCEPTION 'visit % is not this patient''s', NEW.visit_id USING ERRCODE = 'check_violation', CONSTRAINT = 'adverse_events_visit_same_patient';
		END IF;
		IF NEW.onset_on < visit_day THEN
			RAISE EXCEPTION 'onset % is before the visit it followed (%)', NEW.onset_on, visit_day USING ERRCODE = 'check_violation', CONSTRAINT = 'adverse_events_onset_after_visit';
		END IF;
	END IF;
	RETURN NEW;
END;
$$;
