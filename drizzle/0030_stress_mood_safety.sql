-- Issue 19: the stress and mood instruments (PSS-10, GAD-7, PHQ-9, PHQ-4) in the reference tables
-- (scripts/instrument-scales-sql.ts, the rows of these four), then the PHQ-9 item 9 alert.
INSERT INTO instrument_scales (instrument_id, scale, min, max) VALUES
	('pss10', 'total', 0, 40),
	('gad7', 'total', 0, 21),
	('phq9', 'total', 0, 27),
	('phq4', 'total', 0, 12),
	('phq4', 'anxiety', 0, 6),
	('phq4', 'depression', 0, 6)
ON CONFLICT (instrument_id, scale) DO UPDATE SET min = excluded.min, max = excluded.max;
--> statement-breakpoint
INSERT INTO instrument_items (instrument_id, item_key, min, max) VALUES
	('pss10', '1', 0, 4),
	('pss10', '2', 0, 4),
	('pss10', '3', 0, 4),
	('pss10', '4', 0, 4),
	('pss10', '5', 0, 4),
	('pss10', '6', 0, 4),
	('pss10', '7', 0, 4),
	('pss10', '8', 0, 4),
	('pss10', '9', 0, 4),
	('pss10', '10', 0, 4),
	('gad7', '1', 0, 3),
	('gad7', '2', 0, 3),
	('gad7', '3', 0, 3),
	('gad7', '4', 0, 3),
	('gad7', '5', 0, 3),
	('gad7', '6', 0, 3),
	('gad7', '7', 0, 3),
	('phq9', '1', 0, 3),
	('phq9', '2', 0, 3),
	('phq9', '3', 0, 3),
	('phq9', '4', 0, 3),
	('phq9', '5', 0, 3),
	('phq9', '6', 0, 3),
	('phq9', '7', 0, 3),
	('phq9', '8', 0, 3),
	('phq9', '9', 0, 3),
	('phq4', '1', 0, 3),
	('phq4', '2', 0, 3),
	('phq4', '3', 0, 3),
	('phq4', '4', 0, 3)
ON CONFLICT (instrument_id, item_key) DO UPDATE SET min = excluded.min, max = excluded.max;
--> statement-breakpoint
-- A PHQ-9 whose item 9 (self-harm thoughts) is answered above 0 raises a safety alert in the same
-- statement as the save, whoever writes the response (visit form, response edit, import). The save
-- is never refused for it. One alert per response: a later edit of the same form raises no second
-- one (an acknowledged alert stays acknowledged). Runs after responses_answers_rules (trigger names
-- sort), so the answer is already known to be a number in 0..3.
CREATE FUNCTION responses_raise_safety_alerts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO safety_alerts (kind, patient_id, visit_id, response_id, value, raised_by)
	SELECT 'phq9_item9', v.patient_id, n.visit_id, n.id, (n.answers ->> '9')::float8, n.entered_by
	FROM new_responses n
	JOIN visits v ON v.id = n.visit_id
	WHERE n.instrument_id = 'phq9'
		AND jsonb_typeof(n.answers -> '9') = 'number'
		AND (n.answers ->> '9')::numeric > 0
	ON CONFLICT (response_id, kind) DO NOTHING;
	RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER responses_safety_alerts_insert AFTER INSERT ON responses
	REFERENCING NEW TABLE AS new_responses FOR EACH STATEMENT EXECUTE FUNCTION responses_raise_safety_alerts();
--> statement-breakpoint
CREATE TRIGGER responses_safety_alerts_update AFTER UPDATE ON responses
	REFERENCING NEW TABLE AS new_responses FOR EACH STATEMENT EXECUTE FUNCTION responses_raise_safety_alerts();
