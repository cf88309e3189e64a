-- Follow-up schedules keep every version: an edit inserts a new one, so rows are never changed or
-- removed, whoever runs the statement.
CREATE FUNCTION follow_up_schedules_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION '% keeps every version (% refused)', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER follow_up_schedules_no_update BEFORE UPDATE OR DELETE ON follow_up_schedules
	FOR EACH ROW EXECUTE FUNCTION follow_up_schedules_refuse_change();
--> statement-breakpoint
CREATE TRIGGER follow_up_schedules_no_truncate BEFORE TRUNCATE ON follow_up_schedules
	FOR EACH STATEMENT EXECUTE FUNCTION follow_up_schedules_refuse_change();
--> statement-breakpoint
CREATE TRIGGER follow_up_schedule_points_no_update BEFORE UPDATE OR DELETE ON follow_up_schedule_points
	FOR EACH ROW EXECUTE FUNCTION follow_up_schedules_refuse_change();
--> statement-breakpoint
CREATE TRIGGER follow_up_schedule_points_no_truncate BEFORE TRUNCATE ON follow_up_schedule_points
	FOR EACH STATEMENT EXECUTE FUNCTION follow_up_schedules_refuse_change();
--> statement-breakpoint
-- The rules of $lib/validation/schedule a CHECK cannot state, once per statement over the points
-- it wrote: every instrument is one the clinic has (instrument_scales lists them), and two time
-- points of one version are more than two windows apart, so no visit falls in two windows.
CREATE FUNCTION follow_up_schedule_points_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	bad record;
BEGIN
	SELECT n.schedule_id, i.instrument INTO bad
	FROM new_points n CROSS JOIN LATERAL unnest(n.instruments) AS i(instrument)
	WHERE NOT EXISTS (SELECT 1 FROM instrument_scales s WHERE s.instrument_id = i.instrument)
	LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'unknown instrument % in follow-up schedule %', bad.instrument, bad.schedule_id USING ERRCODE = 'check_violation';
	END IF;
	SELECT p.schedule_id INTO bad
	FROM (
		SELECT q.schedule_id, q.week - lag(q.week) OVER (PARTITION BY q.schedule_id ORDER BY q.week) AS gap
		FROM follow_up_schedule_points q
		WHERE q.schedule_id IN (SELECT DISTINCT schedule_id FROM new_points)
	) p JOIN follow_up_schedules s ON s.id = p.schedule_id
	WHERE p.gap <= 2 * s.window_weeks
	LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'time points of follow-up schedule % are two windows apart or closer', bad.schedule_id USING ERRCODE = 'check_violation';
	END IF;
	RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER follow_up_schedule_points_rules AFTER INSERT ON follow_up_schedule_points
	REFERENCING NEW TABLE AS new_points FOR EACH STATEMENT EXECUTE FUNCTION follow_up_schedule_points_check();
