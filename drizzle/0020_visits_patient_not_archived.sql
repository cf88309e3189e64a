-- A visit is not added for an archived patient, whatever the path (manual entry and the import
-- refuse it first; this is the last line). Checked once per statement over the rows it wrote, like
-- the visit-date rules of 0012. On update, only a visit moved to another patient is checked:
-- archived patients' existing visits stay editable and voidable.
CREATE FUNCTION visits_check_patient_active() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	bad record;
BEGIN
	IF TG_OP = 'INSERT' THEN
		SELECT n.patient_id INTO bad
		FROM new_visits n JOIN patients p ON p.id = n.patient_id
		WHERE p.archived
		LIMIT 1;
	ELSE
		SELECT n.patient_id INTO bad
		FROM new_visits n JOIN old_visits o ON o.id = n.id JOIN patients p ON p.id = n.patient_id
		WHERE n.patient_id <> o.patient_id AND p.archived
		LIMIT 1;
	END IF;
	IF FOUND THEN
		RAISE EXCEPTION 'patient % is archived; restore them before adding visits', bad.patient_id USING ERRCODE = 'check_violation';
	END IF;
	RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER visits_patient_active_insert AFTER INSERT ON visits
	REFERENCING NEW TABLE AS new_visits FOR EACH STATEMENT EXECUTE FUNCTION visits_check_patient_active();
--> statement-breakpoint
CREATE TRIGGER visits_patient_active_update AFTER UPDATE ON visits
	REFERENCING OLD TABLE AS old_visits NEW TABLE AS new_visits FOR EACH STATEMENT EXECUTE FUNCTION visits_check_patient_active();
