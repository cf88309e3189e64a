-- Adverse event categories, in our own words, from the kinds of event the large prospective
-- acupuncture safety surveys report (bleeding, pain, dizziness, tiredness, … and the rare
-- serious ones). Admins add more; 'other' asks for a short specification (a CHECK on events).
INSERT INTO ae_categories (code, label) VALUES
	('bleeding_bruising', 'Bleeding or bruising at a needle site'),
	('needle_site_pain', 'Pain at a needle site'),
	('dizziness_fainting', 'Dizziness or fainting during treatment'),
	('tiredness_drowsiness', 'Tiredness or drowsiness after treatment'),
	('nausea', 'Nausea'),
	('headache', 'Headache'),
	('skin_reaction', 'Skin reaction or local infection'),
	('symptoms_worse', 'Worsening of the condition''s symptoms'),
	('needle_retained', 'Needle left in or broken'),
	('heat_burn', 'Burn from heat treatment'),
	('pneumothorax', 'Pneumothorax (air around a lung)'),
	('nerve_organ_injury', 'Nerve or organ injury'),
	('other', 'Other (specify)');
--> statement-breakpoint
-- An adverse event starts on or after the patient's enrolment and not in the future (one day of
-- slack, as for visits, for clinics east of UTC); it resolves not in the future; its visit, when
-- given, is the same patient's. Named like constraints, so the app can say which field is wrong.
CREATE FUNCTION adverse_events_check_dates() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	enrolled date;
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
	IF NEW.visit_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM visits WHERE id = NEW.visit_id AND patient_id = NEW.patient_id) THEN
		RAISE EXCEPTION 'visit % is not this patient''s', NEW.visit_id USING ERRCODE = 'check_violation', CONSTRAINT = 'adverse_events_visit_same_patient';
	END IF;
	RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER adverse_events_date_rules BEFORE INSERT OR UPDATE OF onset_on, resolved_on, patient_id, visit_id ON adverse_events
	FOR EACH ROW EXECUTE FUNCTION adverse_events_check_dates();
--> statement-breakpoint
CREATE FUNCTION flare_episodes_check_dates() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	enrolled date;
BEGIN
	SELECT enrolled_on INTO enrolled FROM patients WHERE id = NEW.patient_id;
	IF NEW.onset_on < enrolled THEN
		RAISE EXCEPTION 'onset % is before enrolment %', NEW.onset_on, enrolled USING ERRCODE = 'check_violation', CONSTRAINT = 'flare_episodes_onset_after_enrolment';
	END IF;
	IF NEW.onset_on > current_date + 1 THEN
		RAISE EXCEPTION 'onset % is in the future', NEW.onset_on USING ERRCODE = 'check_violation', CONSTRAINT = 'flare_episodes_onset_not_future';
	END IF;
	IF NEW.ended_on > current_date + 1 THEN
		RAISE EXCEPTION 'end % is in the future', NEW.ended_on USING ERRCODE = 'check_violation', CONSTRAINT = 'flare_episodes_end_not_future';
	END IF;
	RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER flare_episodes_date_rules BEFORE INSERT OR UPDATE OF onset_on, ended_on, patient_id ON flare_episodes
	FOR EACH ROW EXECUTE FUNCTION flare_episodes_check_dates();
--> statement-breakpoint
-- A patient's enrolment cannot move after one of their visits, adverse events or flares.
CREATE OR REPLACE FUNCTION patients_check_enrolment() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF EXISTS (SELECT 1 FROM visits WHERE patient_id = NEW.id AND visit_date < NEW.enrolled_on)
		OR EXISTS (SELECT 1 FROM adverse_events WHERE patient_id = NEW.id AND onset_on < NEW.enrolled_on)
		OR EXISTS (SELECT 1 FROM flare_episodes WHERE patient_id = NEW.id AND onset_on < NEW.enrolled_on) THEN
		RAISE EXCEPTION 'enrolment % is after an existing visit or event', NEW.enrolled_on USING ERRCODE = 'check_violation';
	END IF;
	RETURN NEW;
END;
$$;
