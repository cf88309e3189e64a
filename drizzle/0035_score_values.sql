CREATE TABLE "score_values" (
	"patient_id" uuid NOT NULL,
	"instrument_id" text NOT NULL,
	"scale" text NOT NULL,
	"visit_date" date NOT NULL,
	"value" double precision NOT NULL,
	CONSTRAINT "score_values_patient_id_instrument_id_scale_visit_date_pk" PRIMARY KEY("patient_id","instrument_id","scale","visit_date")
);
--> statement-breakpoint
ALTER TABLE "score_values" ADD CONSTRAINT "score_values_patient_id_patients_id_fk" FOREIGN KEY ("patient_id") REFERENCES "public"."patients"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- Issue 20: the evidence report's follow-up values. score_values holds every non-null score of
-- every live visit with the visit's patient and date, keyed (patient, instrument, scale, date) and
-- carrying the value in its key (INCLUDE), so the report finds a patient's values inside a time
-- point's window by one index-only range instead of visits → responses → scores (120,000 probes
-- of each at 20,000 patients; docs/performance.md). Kept exact by the database, as the safety
-- summaries are (0033): new scores are added as they are inserted; every other change — a score
-- changed or deleted, a response moved or deleted, a visit voided, restored, re-dated, moved or
-- deleted — recomputes the rows of the patients it touched from the base tables, in the same
-- statement's transaction, whoever writes (the app, the import, the seed, plain SQL).
-- One row per patient, scale and date, as the unique index visits_one_live_per_date makes the
-- live visits: only a database from before that index (or one with it dropped) can hold two live
-- visits on one date, and then the first value stays until the upgrade voids the later visit
-- (which recomputes the patient) — hence ON CONFLICT DO NOTHING, never an error in a save.
ALTER TABLE "score_values" DROP CONSTRAINT "score_values_patient_id_instrument_id_scale_visit_date_pk",
	ADD CONSTRAINT "score_values_patient_id_instrument_id_scale_visit_date_pk" PRIMARY KEY ("patient_id", "instrument_id", "scale", "visit_date") INCLUDE ("value");
--> statement-breakpoint
-- Some patients' rows from the base tables, one writer per patient at a time (the lock the safety
-- summaries take, in id order).
CREATE FUNCTION score_values_refresh(ids uuid[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	IF ids IS NULL OR cardinality(ids) = 0 THEN
		RETURN;
	END IF;
	PERFORM safety_summaries_lock(ids);
	DELETE FROM score_values WHERE patient_id = ANY (ids);
	INSERT INTO score_values (patient_id, instrument_id, scale, visit_date, value)
	SELECT v.patient_id, rs.instrument_id, rs.scale, v.visit_date, rs.value
	FROM visits v
	JOIN responses r ON r.visit_id = v.id
	JOIN response_scores rs ON rs.response_id = r.id
	WHERE v.patient_id = ANY (ids) AND NOT v.voided AND rs.value IS NOT NULL
	ON CONFLICT DO NOTHING;
END;
$$;
--> statement-breakpoint
-- Visits: a change of patient, date or void (a new visit has no scores yet; its scores' own
-- statement adds them), or a delete.
CREATE FUNCTION visits_refresh_score_values() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		PERFORM score_values_refresh(ARRAY(SELECT DISTINCT o.patient_id FROM old_visits o));
	ELSE
		PERFORM score_values_refresh(ARRAY(
			SELECT DISTINCT x.patient_id
			FROM new_visits n
			JOIN old_visits o ON o.id = n.id
			CROSS JOIN LATERAL (VALUES (n.patient_id), (o.patient_id)) AS x(patient_id)
			WHERE (n.patient_id, n.visit_date, n.voided) IS DISTINCT FROM (o.patient_id, o.visit_date, o.voided)
		));
	END IF;
	RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER visits_score_values_update AFTER UPDATE ON visits
	REFERENCING OLD TABLE AS old_visits NEW TABLE AS new_visits FOR EACH STATEMENT EXECUTE FUNCTION visits_refresh_score_values();
--> statement-breakpoint
CREATE TRIGGER visits_score_values_delete AFTER DELETE ON visits
	REFERENCING OLD TABLE AS old_visits FOR EACH STATEMENT EXECUTE FUNCTION visits_refresh_score_values();
--> statement-breakpoint
-- Responses: moved to another visit or instrument, or deleted (a new response has no scores yet).
CREATE FUNCTION responses_refresh_score_values() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		PERFORM score_values_refresh(ARRAY(
			SELECT DISTINCT v.patient_id FROM old_responses o JOIN visits v ON v.id = o.visit_id
		));
	ELSE
		PERFORM score_values_refresh(ARRAY(
			SELECT DISTINCT v.patient_id
			FROM new_responses n
			JOIN old_responses o ON o.id = n.id
			CROSS JOIN LATERAL (VALUES (n.visit_id), (o.visit_id)) AS x(visit_id)
			JOIN visits v ON v.id = x.visit_id
			WHERE (n.visit_id, n.instrument_id) IS DISTINCT FROM (o.visit_id, o.instrument_id)
		));
	END IF;
	RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER responses_score_values_update AFTER UPDATE ON responses
	REFERENCING OLD TABLE AS old_responses NEW TABLE AS new_responses FOR EACH STATEMENT EXECUTE FUNCTION responses_refresh_score_values();
--> statement-breakpoint
CREATE TRIGGER responses_score_values_delete AFTER DELETE ON responses
	REFERENCING OLD TABLE AS old_responses FOR EACH STATEMENT EXECUTE FUNCTION responses_refresh_score_values();
--> statement-breakpoint
-- Scores: new ones are added directly (the common write, and the seed's bulk inserts); a change of
-- value, scale or response, or a delete, recomputes the patients'.
CREATE FUNCTION response_scores_refresh_score_values() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		PERFORM safety_summaries_lock(ARRAY(
			SELECT DISTINCT v.patient_id FROM new_scores n JOIN responses r ON r.id = n.response_id JOIN visits v ON v.id = r.visit_id
		));
		INSERT INTO score_values (patient_id, instrument_id, scale, visit_date, value)
		SELECT v.patient_id, n.instrument_id, n.scale, v.visit_date, n.value
		FROM new_scores n
		JOIN responses r ON r.id = n.response_id
		JOIN visits v ON v.id = r.visit_id
		WHERE NOT v.voided AND n.value IS NOT NULL
		ON CONFLICT DO NOTHING;
	ELSIF TG_OP = 'DELETE' THEN
		PERFORM score_values_refresh(ARRAY(
			SELECT DISTINCT v.patient_id FROM old_scores o JOIN responses r ON r.id = o.response_id JOIN visits v ON v.id = r.visit_id
		));
	ELSE
		PERFORM score_values_refresh(ARRAY(
			SELECT DISTINCT v.patient_id
			FROM new_scores n
			FULL JOIN old_scores o ON o.response_id = n.response_id AND o.scale = n.scale
			CROSS JOIN LATERAL (VALUES (n.response_id), (o.response_id)) AS x(response_id)
			JOIN responses r ON r.id = x.response_id
			JOIN visits v ON v.id = r.visit_id
			WHERE n.response_id IS NULL OR o.response_id IS NULL
				OR (n.instrument_id, n.value) IS DISTINCT FROM (o.instrument_id, o.value)
		));
	END IF;
	RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER response_scores_score_values_insert AFTER INSERT ON response_scores
	REFERENCING NEW TABLE AS new_scores FOR EACH STATEMENT EXECUTE FUNCTION response_scores_refresh_score_values();
--> statement-breakpoint
CREATE TRIGGER response_scores_score_values_update AFTER UPDATE ON response_scores
	REFERENCING OLD TABLE AS old_scores NEW TABLE AS new_scores FOR EACH STATEMENT EXECUTE FUNCTION response_scores_refresh_score_values();
--> statement-breakpoint
CREATE TRIGGER response_scores_score_values_delete AFTER DELETE ON response_scores
	REFERENCING OLD TABLE AS old_scores FOR EACH STATEMENT EXECUTE FUNCTION response_scores_refresh_score_values();
--> statement-breakpoint
-- The rows of every score already recorded.
INSERT INTO score_values (patient_id, instrument_id, scale, visit_date, value)
SELECT v.patient_id, rs.instrument_id, rs.scale, v.visit_date, rs.value
FROM visits v
JOIN responses r ON r.visit_id = v.id
JOIN response_scores rs ON rs.response_id = r.id
WHERE NOT v.voided AND rs.value IS NOT NULL
ON CONFLICT DO NOTHING;
--> statement-breakpoint
ANALYZE score_values;
