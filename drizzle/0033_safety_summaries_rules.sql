-- Issue 19: the safety figures' per-patient summaries (patient_safety_summary, patient_stress_flare,
-- made by 0032) kept exact by the database. Each statement that writes visits, responses,
-- response_scores or flare_episodes (or changes a patient's condition) collects the patients
-- whose rows it may change (from its transition tables) and recomputes those patients' rows from
-- the base tables, in its own transaction — so every writer (the app, the import, self-report,
-- the seed's bulk inserts, plain SQL) keeps them right. The definitions are those the figures
-- used to compute per request (src/lib/server/safety/figures.ts): live = not voided; the stress
-- instruments are STRESS_INSTRUMENTS of src/lib/safety/stress-flare.ts (PSS-10, GAD-7), listed
-- here too, as are EARLY_DAYS and MONTH_DAYS. Adverse events are not summarised: the figures read
-- that small table.
--
-- One writer per patient at a time (in id order, as the visit save and the rollup lock them): a
-- concurrent transaction that touched the same patient waits here until the first commits, and
-- the statements after it (each with a fresh snapshot under READ COMMITTED) then see its rows.
CREATE FUNCTION safety_summaries_lock(ids uuid[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	PERFORM 1 FROM patients WHERE id = ANY (ids) ORDER BY id FOR NO KEY UPDATE;
END;
$$;
--> statement-breakpoint
-- patient_safety_summary and patient_flare_months: what the live visits say (count, sessions,
-- asked, first and last date) and the live flares between the first and the last visit — early
-- before day 84 (EARLY_DAYS, src/lib/safety/rates.ts), by month of 30.4375 days (MONTH_DAYS,
-- src/lib/safety/flare-trend.ts: the month an onset counts in is onsetMonth's, never past the
-- patient's last month with time). Visits and flares move them.
CREATE FUNCTION patient_safety_summary_refresh(ids uuid[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	IF ids IS NULL OR cardinality(ids) = 0 THEN
		RETURN;
	END IF;
	PERFORM safety_summaries_lock(ids);
	DELETE FROM patient_flare_months WHERE patient_id = ANY (ids);
	DELETE FROM patient_safety_summary WHERE patient_id = ANY (ids);
	INSERT INTO patient_safety_summary (patient_id, condition_code, visits, sessions, asked, baseline, last_visit, early_flares, later_flares)
	SELECT a.patient_id, a.condition_code, a.visits, a.sessions, a.asked, a.baseline, a.last_visit, fl.early, fl.later
	FROM (
		SELECT v.patient_id, p.condition_code, count(*) AS visits, sum(v.acupuncture_sessions) AS sessions,
			count(*) FILTER (WHERE v.ae_answer IN ('none', 'yes')) AS asked, min(v.visit_date) AS baseline, max(v.visit_date) AS last_visit
		FROM visits v
		JOIN patients p ON p.id = v.patient_id
		WHERE v.patient_id = ANY (ids) AND NOT v.voided
		GROUP BY v.patient_id, p.condition_code
	) a
	CROSS JOIN LATERAL (
		SELECT count(*) FILTER (WHERE f.onset_on < a.baseline + 84) AS early, count(*) FILTER (WHERE f.onset_on >= a.baseline + 84) AS later
		FROM flare_episodes f
		WHERE f.patient_id = a.patient_id AND NOT f.voided AND f.onset_on >= a.baseline AND f.onset_on <= a.last_visit
	) fl;
	INSERT INTO patient_flare_months (patient_id, condition_code, month, onsets)
	SELECT s.patient_id, s.condition_code, least(floor((f.onset_on - s.baseline) / 30.4375), ceil((s.last_visit - s.baseline) / 30.4375) - 1)::int, count(*)
	FROM patient_safety_summary s
	JOIN flare_episodes f ON f.patient_id = s.patient_id
	WHERE s.patient_id = ANY (ids) AND NOT f.voided AND f.onset_on >= s.baseline AND f.onset_on <= s.last_visit AND s.last_visit > s.baseline
	GROUP BY 1, 2, 3;
END;
$$;
--> statement-breakpoint
-- patient_stress_flare: a scored live visit counts when a live visit follows it; it is "flared"
-- when a live flare began after it and on or before that next visit. Visits, stress scores and
-- flares all move it.
CREATE FUNCTION patient_stress_flare_refresh(ids uuid[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	IF ids IS NULL OR cardinality(ids) = 0 THEN
		RETURN;
	END IF;
	PERFORM safety_summaries_lock(ids);
	DELETE FROM patient_stress_flare WHERE patient_id = ANY (ids);
	INSERT INTO patient_stress_flare (patient_id, condition_code, instrument_id, flared_visits, flared_sum, other_visits, other_sum)
	SELECT s.patient_id, p.condition_code, s.instrument_id,
		count(*) FILTER (WHERE s.flared), coalesce(sum(s.score) FILTER (WHERE s.flared), 0),
		count(*) FILTER (WHERE NOT s.flared), coalesce(sum(s.score) FILTER (WHERE NOT s.flared), 0)
	FROM (
		SELECT lv.patient_id, r.instrument_id, rs.value AS score,
			EXISTS (
				SELECT 1 FROM flare_episodes f
				WHERE f.patient_id = lv.patient_id AND NOT f.voided AND f.onset_on > lv.visit_date AND f.onset_on <= lv.next_date
			) AS flared
		FROM (
			SELECT v.id, v.patient_id, v.visit_date,
				lead(v.visit_date) OVER (PARTITION BY v.patient_id ORDER BY v.visit_date, v.id) AS next_date
			FROM visits v
			WHERE v.patient_id = ANY (ids) AND NOT v.voided
		) lv
		JOIN responses r ON r.visit_id = lv.id AND r.instrument_id IN ('pss10', 'gad7')
		JOIN response_scores rs ON rs.response_id = r.id AND rs.scale = 'total' AND rs.value IS NOT NULL
		WHERE lv.next_date IS NOT NULL
		-- Evaluated once per row (the planner would otherwise repeat the EXISTS in each aggregate's filter).
		OFFSET 0
	) s
	JOIN patients p ON p.id = s.patient_id
	GROUP BY s.patient_id, p.condition_code, s.instrument_id;
END;
$$;
--> statement-breakpoint
-- Both summaries of some patients, from the base tables (the triggers below, the backfill at the end).
CREATE FUNCTION safety_summaries_refresh(ids uuid[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	PERFORM patient_safety_summary_refresh(ids);
	PERFORM patient_stress_flare_refresh(ids);
END;
$$;
--> statement-breakpoint
-- Visits: any insert or delete; an update only where a column the summaries read changed.
CREATE FUNCTION visits_refresh_safety_summaries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		PERFORM safety_summaries_refresh(ARRAY(SELECT DISTINCT n.patient_id FROM new_visits n));
	ELSIF TG_OP = 'DELETE' THEN
		PERFORM safety_summaries_refresh(ARRAY(SELECT DISTINCT o.patient_id FROM old_visits o));
	ELSE
		PERFORM safety_summaries_refresh(ARRAY(
			SELECT DISTINCT x.patient_id
			FROM new_visits n
			FULL JOIN old_visits o ON o.id = n.id
			CROSS JOIN LATERAL (VALUES (n.patient_id), (o.patient_id)) AS x(patient_id)
			WHERE x.patient_id IS NOT NULL
				AND (n.id IS NULL OR o.id IS NULL
					OR (n.patient_id, n.visit_date, n.voided, n.acupuncture_sessions, n.ae_answer)
						IS DISTINCT FROM (o.patient_id, o.visit_date, o.voided, o.acupuncture_sessions, o.ae_answer))
		));
	END IF;
	RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER visits_safety_summaries_insert AFTER INSERT ON visits
	REFERENCING NEW TABLE AS new_visits FOR EACH STATEMENT EXECUTE FUNCTION visits_refresh_safety_summaries();
--> statement-breakpoint
CREATE TRIGGER visits_safety_summaries_update AFTER UPDATE ON visits
	REFERENCING OLD TABLE AS old_visits NEW TABLE AS new_visits FOR EACH STATEMENT EXECUTE FUNCTION visits_refresh_safety_summaries();
--> statement-breakpoint
CREATE TRIGGER visits_safety_summaries_delete AFTER DELETE ON visits
	REFERENCING OLD TABLE AS old_visits FOR EACH STATEMENT EXECUTE FUNCTION visits_refresh_safety_summaries();
--> statement-breakpoint
-- Responses of a stress instrument: a response moved to another visit (or instrument) or deleted.
-- A new response has no scores yet (its scores' own statement refreshes the patient).
CREATE FUNCTION responses_refresh_safety_summaries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		PERFORM patient_stress_flare_refresh(ARRAY(
			SELECT DISTINCT v.patient_id FROM old_responses o JOIN visits v ON v.id = o.visit_id
			WHERE o.instrument_id IN ('pss10', 'gad7')
		));
	ELSE
		PERFORM patient_stress_flare_refresh(ARRAY(
			SELECT DISTINCT v.patient_id
			FROM new_responses n
			FULL JOIN old_responses o ON o.id = n.id
			CROSS JOIN LATERAL (VALUES (n.visit_id, n.instrument_id), (o.visit_id, o.instrument_id)) AS x(visit_id, instrument_id)
			JOIN visits v ON v.id = x.visit_id
			WHERE x.instrument_id IN ('pss10', 'gad7')
				AND (n.id IS NULL OR o.id IS NULL OR (n.visit_id, n.instrument_id) IS DISTINCT FROM (o.visit_id, o.instrument_id))
		));
	END IF;
	RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER responses_safety_summaries_update AFTER UPDATE ON responses
	REFERENCING OLD TABLE AS old_responses NEW TABLE AS new_responses FOR EACH STATEMENT EXECUTE FUNCTION responses_refresh_safety_summaries();
--> statement-breakpoint
CREATE TRIGGER responses_safety_summaries_delete AFTER DELETE ON responses
	REFERENCING OLD TABLE AS old_responses FOR EACH STATEMENT EXECUTE FUNCTION responses_refresh_safety_summaries();
--> statement-breakpoint
-- Scores: only the total of a stress instrument counts; an update only where it changed.
CREATE FUNCTION response_scores_refresh_safety_summaries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		PERFORM patient_stress_flare_refresh(ARRAY(
			SELECT DISTINCT v.patient_id FROM new_stress_scores n JOIN responses r ON r.id = n.response_id JOIN visits v ON v.id = r.visit_id
			WHERE n.instrument_id IN ('pss10', 'gad7') AND n.scale = 'total'
		));
	ELSIF TG_OP = 'DELETE' THEN
		PERFORM patient_stress_flare_refresh(ARRAY(
			SELECT DISTINCT v.patient_id FROM old_stress_scores o JOIN responses r ON r.id = o.response_id JOIN visits v ON v.id = r.visit_id
			WHERE o.instrument_id IN ('pss10', 'gad7') AND o.scale = 'total'
		));
	ELSE
		PERFORM patient_stress_flare_refresh(ARRAY(
			SELECT DISTINCT v.patient_id
			FROM new_stress_scores n
			FULL JOIN old_stress_scores o ON o.response_id = n.response_id AND o.scale = n.scale
			CROSS JOIN LATERAL (VALUES (n.response_id, n.instrument_id, n.scale), (o.response_id, o.instrument_id, o.scale)) AS x(response_id, instrument_id, scale)
			JOIN responses r ON r.id = x.response_id
			JOIN visits v ON v.id = r.visit_id
			WHERE x.instrument_id IN ('pss10', 'gad7') AND x.scale = 'total'
				AND (n.response_id IS NULL OR o.response_id IS NULL OR n.value IS DISTINCT FROM o.value)
		));
	END IF;
	RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER response_scores_safety_summaries_insert AFTER INSERT ON response_scores
	REFERENCING NEW TABLE AS new_stress_scores FOR EACH STATEMENT EXECUTE FUNCTION response_scores_refresh_safety_summaries();
--> statement-breakpoint
CREATE TRIGGER response_scores_safety_summaries_update AFTER UPDATE ON response_scores
	REFERENCING OLD TABLE AS old_stress_scores NEW TABLE AS new_stress_scores FOR EACH STATEMENT EXECUTE FUNCTION response_scores_refresh_safety_summaries();
--> statement-breakpoint
CREATE TRIGGER response_scores_safety_summaries_delete AFTER DELETE ON response_scores
	REFERENCING OLD TABLE AS old_stress_scores FOR EACH STATEMENT EXECUTE FUNCTION response_scores_refresh_safety_summaries();
--> statement-breakpoint
-- Flares: counted in the summary and its months, and they decide which scored visits are "flared":
-- any insert or delete; an update of patient, onset or void.
CREATE FUNCTION flare_episodes_refresh_safety_summaries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		PERFORM safety_summaries_refresh(ARRAY(SELECT DISTINCT n.patient_id FROM new_flares n));
	ELSIF TG_OP = 'DELETE' THEN
		PERFORM safety_summaries_refresh(ARRAY(SELECT DISTINCT o.patient_id FROM old_flares o));
	ELSE
		PERFORM safety_summaries_refresh(ARRAY(
			SELECT DISTINCT x.patient_id
			FROM new_flares n
			FULL JOIN old_flares o ON o.id = n.id
			CROSS JOIN LATERAL (VALUES (n.patient_id), (o.patient_id)) AS x(patient_id)
			WHERE x.patient_id IS NOT NULL
				AND (n.id IS NULL OR o.id IS NULL
					OR (n.patient_id, n.onset_on, n.voided) IS DISTINCT FROM (o.patient_id, o.onset_on, o.voided))
		));
	END IF;
	RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER flare_episodes_safety_summaries_insert AFTER INSERT ON flare_episodes
	REFERENCING NEW TABLE AS new_flares FOR EACH STATEMENT EXECUTE FUNCTION flare_episodes_refresh_safety_summaries();
--> statement-breakpoint
CREATE TRIGGER flare_episodes_safety_summaries_update AFTER UPDATE ON flare_episodes
	REFERENCING OLD TABLE AS old_flares NEW TABLE AS new_flares FOR EACH STATEMENT EXECUTE FUNCTION flare_episodes_refresh_safety_summaries();
--> statement-breakpoint
CREATE TRIGGER flare_episodes_safety_summaries_delete AFTER DELETE ON flare_episodes
	REFERENCING OLD TABLE AS old_flares FOR EACH STATEMENT EXECUTE FUNCTION flare_episodes_refresh_safety_summaries();
--> statement-breakpoint
-- The summaries carry the patient's condition (so the figures read them alone): a change of it.
CREATE FUNCTION patients_refresh_safety_summaries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM safety_summaries_refresh(ARRAY(
		SELECT n.id FROM new_patients n JOIN old_patients o ON o.id = n.id
		WHERE n.condition_code IS DISTINCT FROM o.condition_code
	));
	RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER patients_safety_summaries_update AFTER UPDATE ON patients
	REFERENCING OLD TABLE AS old_patients NEW TABLE AS new_patients FOR EACH STATEMENT EXECUTE FUNCTION patients_refresh_safety_summaries();
--> statement-breakpoint
-- The rows of every patient already recorded.
SELECT safety_summaries_refresh(ARRAY(SELECT id FROM patients));
--> statement-breakpoint
-- Statistics for the planner from the start (autovacuum would take a while to get there).
ANALYZE patient_safety_summary, patient_flare_months, patient_stress_flare;
