CREATE INDEX "adverse_events_visit_idx" ON "adverse_events" USING btree ("visit_id");--> statement-breakpoint
-- The other side of 0036: a visit's date may not move after the onset of a live adverse event
-- recorded as following it (the app refuses it first, at the visit's date, naming the event's
-- onset). Statement-level, as the visits' other date rules (0012); only rows whose date changed.
CREATE FUNCTION visits_check_linked_events() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	bad record;
BEGIN
	SELECT n.visit_date, e.onset_on INTO bad
	FROM new_visits n
	JOIN old_visits o ON o.id = n.id
	JOIN adverse_events e ON e.visit_id = n.id AND NOT e.voided
	WHERE n.visit_date <> o.visit_date AND e.onset_on < n.visit_date
	LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'visit date % is after the onset % of an adverse event that followed it', bad.visit_date, bad.onset_on
			USING ERRCODE = 'check_violation', CONSTRAINT = 'visits_not_after_linked_event';
	END IF;
	RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER visits_linked_events_rule AFTER UPDATE ON visits
	REFERENCING OLD TABLE AS old_visits NEW TABLE AS new_visits FOR EACH STATEMENT EXECUTE FUNCTION visits_check_linked_events();
