-- Conditions the clinic treats (admins add more).
INSERT INTO conditions (code, label) VALUES
	('rheumatoid_arthritis', 'Rheumatoid arthritis'),
	('multiple_sclerosis', 'Multiple sclerosis'),
	('sle', 'Systemic lupus erythematosus'),
	('crohns', 'Crohn''s disease'),
	('ulcerative_colitis', 'Ulcerative colitis'),
	('hashimoto', 'Hashimoto''s thyroiditis'),
	('psoriatic_arthritis', 'Psoriatic arthritis'),
	('sjogren', 'Sjögren''s disease'),
	('other', 'Other');
--> statement-breakpoint
-- A visit lies on or after the patient's enrolment (and so birth), and not in the future.
-- One day of slack for clinics east of UTC entering a same-day visit.
CREATE FUNCTION visits_check_date() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	enrolled date;
BEGIN
	SELECT enrolled_on INTO enrolled FROM patients WHERE id = NEW.patient_id;
	IF NEW.visit_date < enrolled THEN
		RAISE EXCEPTION 'visit date % is before enrolment %', NEW.visit_date, enrolled USING ERRCODE = 'check_violation';
	END IF;
	IF NEW.visit_date > current_date + 1 THEN
		RAISE EXCEPTION 'visit date % is in the future', NEW.visit_date USING ERRCODE = 'check_violation';
	END IF;
	RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER visits_date_rules BEFORE INSERT OR UPDATE OF visit_date, patient_id ON visits
	FOR EACH ROW EXECUTE FUNCTION visits_check_date();
--> statement-breakpoint
-- A patient's enrolment cannot move after one of their visits.
CREATE FUNCTION patients_check_enrolment() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF EXISTS (SELECT 1 FROM visits WHERE patient_id = NEW.id AND visit_date < NEW.enrolled_on) THEN
		RAISE EXCEPTION 'enrolment % is after an existing visit', NEW.enrolled_on USING ERRCODE = 'check_violation';
	END IF;
	RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER patients_enrolment_rules BEFORE UPDATE OF enrolled_on ON patients
	FOR EACH ROW EXECUTE FUNCTION patients_check_enrolment();
--> statement-breakpoint
-- A stored score lies within its scale's range.
CREATE FUNCTION response_scores_check_range() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	lo double precision;
	hi double precision;
BEGIN
	IF NEW.value IS NULL THEN
		RETURN NEW;
	END IF;
	SELECT min, max INTO lo, hi FROM instrument_scales WHERE instrument_id = NEW.instrument_id AND scale = NEW.scale;
	IF NEW.value < lo - 1e-9 OR (hi IS NOT NULL AND NEW.value > hi + 1e-9) THEN
		RAISE EXCEPTION 'score % outside % % range', NEW.value, NEW.instrument_id, NEW.scale USING ERRCODE = 'check_violation';
	END IF;
	RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER response_scores_range BEFORE INSERT OR UPDATE ON response_scores
	FOR EACH ROW EXECUTE FUNCTION response_scores_check_range();
