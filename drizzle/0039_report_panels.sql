CREATE TABLE "report_panel_pending" (
	"patient_id" uuid PRIMARY KEY NOT NULL
);
--> statement-breakpoint
CREATE TABLE "report_panel_rows" (
	"version_id" uuid NOT NULL,
	"patient_id" uuid NOT NULL,
	"condition_code" text NOT NULL,
	"sex" text NOT NULL,
	"enrolled_on" date NOT NULL,
	"age" integer,
	"sessions_all" integer NOT NULL,
	"sessions" integer,
	"base" double precision[] NOT NULL,
	"fu" double precision[] NOT NULL,
	"reached" boolean[] NOT NULL,
	"due" date[] NOT NULL,
	"line" text NOT NULL,
	CONSTRAINT "report_panel_rows_version_id_patient_id_pk" PRIMARY KEY("version_id","patient_id")
);
--> statement-breakpoint
CREATE TABLE "report_panels" (
	"version_id" uuid PRIMARY KEY NOT NULL,
	"conditions" text[] NOT NULL,
	"instruments" text[] NOT NULL,
	"scales" text[] NOT NULL,
	"target_day" integer,
	"from_day" integer,
	"to_day" integer,
	"visit" integer,
	CONSTRAINT "report_panels_outcomes" CHECK (cardinality("report_panels"."instruments") >= 1 and cardinality("report_panels"."instruments") = cardinality("report_panels"."scales")),
	CONSTRAINT "report_panels_timepoint" CHECK (("report_panels"."visit" is null and "report_panels"."target_day" is not null and "report_panels"."from_day" is not null and "report_panels"."to_day" is not null and "report_panels"."from_day" <= "report_panels"."target_day" and "report_panels"."target_day" <= "report_panels"."to_day")
				or ("report_panels"."visit" >= 2 and "report_panels"."target_day" is null and "report_panels"."from_day" is null and "report_panels"."to_day" is null))
);
--> statement-breakpoint
ALTER TABLE "report_panel_rows" ADD CONSTRAINT "report_panel_rows_version_id_report_panels_version_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."report_panels"("version_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "report_panel_rows" ADD CONSTRAINT "report_panel_rows_patient_id_patients_id_fk" FOREIGN KEY ("patient_id") REFERENCES "public"."patients"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "report_panels" ADD CONSTRAINT "report_panels_version_id_analysis_plan_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."analysis_plan_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "report_panel_rows_patient_idx" ON "report_panel_rows" USING btree ("patient_id");--> statement-breakpoint
-- Issue 20: the evidence report's panel kept for every locked plan version (schema
-- report-panels.ts; docs/performance.md, "Evidence report: the panel kept per locked plan").
-- A locked version never changes, so its report's per-patient rows can be kept as the data
-- change, like the safety summaries (0033) and score_values (0035): each statement that writes
-- patients, visits or score_values (which every change of responses and scores reaches) notes
-- the patients it touched, and their rows of every kept version are recomputed at the
-- transaction's commit, whoever writes. The definitions are the report's (src/lib/server/reports/panel.ts, which the
-- integration tests hold these rows equal to): live visits are the non-voided ones, numbered by
-- date; the baseline of an outcome is its first value (score_values holds the live visits' values);
-- weeks: the follow-up is the value nearest the target day among later visits within
-- [from, to] days of the baseline (of two equally near, the later); reached: a later visit on or
-- after the window's start, or (applied as the report reads: `due`) the window closed; visit: the
-- value at the visit numbered `visit` (the baseline's visit is 1), reached when the patient has
-- that many visits from the baseline; sessions: after the primary baseline up to the window's end
-- or that visit.
-- The rows of some kept versions (vids NULL: every one) for some patients (ids NULL: every
-- patient of their conditions), from the base tables, in one statement whatever the number of
-- versions. Dynamic SQL, so that each call gets a plan for its own size (one patient, or all).
-- For all patients (or many: an import's commit), nested loops are ruled out but where nothing
-- else can join (the lateral lookups): the CTEs' row counts are estimated in the hundreds where
-- they are in the tens of thousands, and a nested loop over two of them took 40 s at 20,000
-- patients. Ruling them out adds their "disabled" cost to the plan, which would then be JIT-
-- compiled with full optimisation: 2 s of compiling for a fill of 500 patients that runs in
-- 10 ms. JIT is off for this statement.
CREATE FUNCTION report_panel_compute(vids uuid[], ids uuid[]) RETURNS SETOF report_panel_rows LANGUAGE plpgsql AS $$
DECLARE
	nestloop text := current_setting('enable_nestloop');
	jit text := current_setting('jit');
BEGIN
	PERFORM set_config('jit', 'off', true);
	IF ids IS NULL OR cardinality(ids) > 200 THEN
		PERFORM set_config('enable_nestloop', 'off', true);
	END IF;
	RETURN QUERY EXECUTE format($q$
		WITH s AS (
			SELECT * FROM report_panels WHERE %s
		),
		p AS (
			SELECT p.id, p.sex, p.condition_code, p.date_of_birth, p.enrolled_on
			FROM patients p WHERE %s AND p.condition_code = ANY (ARRAY(SELECT DISTINCT unnest(s.conditions) FROM s))
		),
		-- Each version's patients, with its time point.
		e AS (
			SELECT s.version_id, p.*, s.target_day, s.from_day, s.to_day, s.visit
			FROM s CROSS JOIN LATERAL unnest(s.conditions) AS c(code) JOIN p ON p.condition_code = c.code
		),
		o AS (
			SELECT s.version_id, (t.n - 1)::int AS idx, t.instrument_id, t.scale
			FROM s CROSS JOIN LATERAL unnest(s.instruments, s.scales) WITH ORDINALITY AS t(instrument_id, scale, n)
		),
		vv AS MATERIALIZED (
			SELECT v.patient_id, v.visit_date, v.acupuncture_sessions AS sessions,
				row_number() OVER (PARTITION BY v.patient_id ORDER BY v.visit_date)::int AS pos
			FROM visits v JOIN p ON p.id = v.patient_id WHERE NOT v.voided
		),
		l AS (
			SELECT patient_id, max(visit_date) AS last_date, max(pos) AS last_pos, sum(sessions)::int AS sessions_all FROM vv GROUP BY patient_id
		),
		-- Each patient's first value of each outcome any version names (shared by the versions).
		b0 AS (
			SELECT oi.instrument_id, oi.scale, p.id AS patient_id, f.visit_date AS base_date, f.value AS base_value
			FROM p CROSS JOIN (SELECT DISTINCT instrument_id, scale FROM o) oi
			CROSS JOIN LATERAL (
				SELECT sv.visit_date, sv.value FROM score_values sv
				WHERE sv.patient_id = p.id AND sv.instrument_id = oi.instrument_id AND sv.scale = oi.scale
				ORDER BY sv.visit_date LIMIT 1
			) f
		),
		b AS MATERIALIZED (
			SELECT e.version_id, o.idx, e.id AS patient_id, o.instrument_id, o.scale, b0.base_date, b0.base_value, vv.pos AS base_pos,
				e.target_day, e.from_day, e.to_day, e.visit
			FROM e
			JOIN o ON o.version_id = e.version_id
			JOIN b0 ON b0.patient_id = e.id AND b0.instrument_id = o.instrument_id AND b0.scale = o.scale
			JOIN vv ON vv.patient_id = e.id AND vv.visit_date = b0.base_date
		),
		-- A visit time point's value: at the visit of that number.
		fv AS (
			SELECT b.version_id, b.idx, b.patient_id, sv.value
			FROM b
			JOIN vv y ON y.patient_id = b.patient_id AND y.pos = b.base_pos + b.visit - 1
			JOIN score_values sv ON sv.patient_id = y.patient_id AND sv.visit_date = y.visit_date AND sv.instrument_id = b.instrument_id AND sv.scale = b.scale
			WHERE b.visit IS NOT NULL
		),
		x AS MATERIALIZED (
			SELECT b.version_id, b.idx, b.patient_id, b.base_value,
				CASE WHEN b.visit IS NULL THEN (
					SELECT sv.value FROM score_values sv
					WHERE sv.patient_id = b.patient_id AND sv.instrument_id = b.instrument_id AND sv.scale = b.scale
						AND sv.visit_date BETWEEN b.base_date + greatest(b.from_day, 1) AND b.base_date + b.to_day
					ORDER BY abs((sv.visit_date - b.base_date) - b.target_day), sv.visit_date DESC LIMIT 1
				) ELSE fv.value END AS fu_value,
				coalesce(CASE WHEN b.visit IS NULL THEN l.last_date > b.base_date AND l.last_date - b.base_date >= b.from_day
					ELSE l.last_pos - b.base_pos + 1 >= b.visit END, false) AS reached,
				CASE WHEN b.visit IS NULL THEN b.base_date + b.to_day END AS due
			FROM b
			LEFT JOIN l ON l.patient_id = b.patient_id
			LEFT JOIN fv ON fv.version_id = b.version_id AND fv.idx = b.idx AND fv.patient_id = b.patient_id
		),
		agg AS (
			SELECT e.version_id, e.id, array_agg(x.base_value ORDER BY o.idx) AS base, array_agg(x.fu_value ORDER BY o.idx) AS fu,
				array_agg(coalesce(x.reached, false) ORDER BY o.idx) AS reached, array_agg(x.due ORDER BY o.idx) AS due
			FROM e
			JOIN o ON o.version_id = e.version_id
			LEFT JOIN x ON x.version_id = e.version_id AND x.patient_id = e.id AND x.idx = o.idx
			GROUP BY e.version_id, e.id
		),
		-- Sessions after the primary baseline up to the time point.
		s0 AS (
			SELECT b.version_id, b.patient_id, b.base_date, coalesce(sum(vv.sessions) FILTER (WHERE
				CASE WHEN b.visit IS NULL THEN vv.visit_date > b.base_date AND vv.visit_date <= b.base_date + b.to_day
					ELSE vv.pos > b.base_pos AND vv.pos - b.base_pos + 1 <= b.visit END), 0)::int AS sessions
			FROM b JOIN vv ON vv.patient_id = b.patient_id
			WHERE b.idx = 0
			GROUP BY b.version_id, b.patient_id, b.base_date
		)
		SELECT e.version_id, e.id, e.condition_code, e.sex, e.enrolled_on, a.age, coalesce(l.sessions_all, 0), s0.sessions, agg.base, agg.fu, agg.reached, agg.due,
			-- The row as the report reads it (readKeptPanel): tab-separated, arrays comma-separated.
			e.sex || E'\t' || e.condition_code || E'\t' || coalesce(a.age::text, '') || E'\t' || coalesce(l.sessions_all, 0) || E'\t' || coalesce(s0.sessions::text, '')
				|| E'\t' || (extract(year from e.enrolled_on)::int * 4 + extract(quarter from e.enrolled_on)::int - 1) || E'\t' || e.enrolled_on
				|| E'\t' || array_to_string(agg.base, ',', '') || E'\t' || array_to_string(agg.fu, ',', '')
				|| E'\t' || array_to_string(agg.reached, '') || E'\t' || array_to_string(agg.due, ',', '')
		FROM e
		JOIN agg ON agg.version_id = e.version_id AND agg.id = e.id
		LEFT JOIN l ON l.patient_id = e.id
		LEFT JOIN s0 ON s0.version_id = e.version_id AND s0.patient_id = e.id
		CROSS JOIN LATERAL (SELECT extract(year from age(coalesce(s0.base_date, e.enrolled_on), e.date_of_birth))::int AS age) a
	$q$, CASE WHEN vids IS NULL THEN 'true' ELSE 'version_id = ANY ($1)' END, CASE WHEN ids IS NULL THEN 'true' ELSE 'p.id = ANY ($2)' END)
	USING vids, ids;
	PERFORM set_config('enable_nestloop', nestloop, true);
	PERFORM set_config('jit', jit, true);
END;
$$;
--> statement-breakpoint
-- Some patients' rows of every kept version, now (one writer per patient at a time: the safety
-- summaries' lock, in id order). Nothing to do, and nothing locked, while no version is kept.
CREATE FUNCTION report_panel_refresh(ids uuid[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	IF ids IS NULL OR cardinality(ids) = 0 OR NOT EXISTS (SELECT 1 FROM report_panels) THEN
		RETURN;
	END IF;
	PERFORM safety_summaries_lock(ids);
	DELETE FROM report_panel_rows WHERE patient_id = ANY (ids);
	INSERT INTO report_panel_rows SELECT * FROM report_panel_compute(NULL, ids);
END;
$$;
--> statement-breakpoint
-- The triggers below note the patients a statement touched; the first note of a transaction to
-- reach its commit recomputes them all at once, and removes the notes (a transaction sees only
-- its own: no one else's is committed, as each removes its own at commit). A second transaction
-- noting the same patient waits for the first to commit — as it already waits for the patient's
-- lock — and is then recomputed in turn.
CREATE FUNCTION report_panel_note(ids uuid[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	IF ids IS NULL OR cardinality(ids) = 0 OR NOT EXISTS (SELECT 1 FROM report_panels) THEN
		RETURN;
	END IF;
	INSERT INTO report_panel_pending (patient_id) SELECT DISTINCT x FROM unnest(ids) AS x WHERE x IS NOT NULL ON CONFLICT DO NOTHING;
END;
$$;
--> statement-breakpoint
CREATE FUNCTION report_panel_pending_settle() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	ids uuid[];
BEGIN
	WITH settled AS (DELETE FROM report_panel_pending RETURNING patient_id)
	SELECT array_agg(patient_id ORDER BY patient_id) INTO ids FROM settled;
	PERFORM report_panel_refresh(ids);
	RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER report_panel_pending_settle AFTER INSERT ON report_panel_pending
	DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION report_panel_pending_settle();
--> statement-breakpoint
-- A version's rows for all its patients (at lock, in the lock's transaction). Writers of the tables
-- the rows come from wait until the lock commits (and the lock waits for those already writing), so
-- no change falls between this statement's snapshot and the triggers that keep the rows after it.
CREATE FUNCTION report_panel_fill(vid uuid) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	LOCK TABLE patients, visits, responses, response_scores, score_values IN SHARE MODE;
	PERFORM 1 FROM report_panels WHERE version_id = vid;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'report_panel_fill: version % is not kept', vid;
	END IF;
	DELETE FROM report_panel_rows WHERE version_id = vid;
	INSERT INTO report_panel_rows SELECT * FROM report_panel_compute(ARRAY[vid], NULL) ORDER BY 2;
END;
$$;
--> statement-breakpoint
CREATE FUNCTION patients_refresh_report_panels() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		PERFORM report_panel_note(ARRAY(SELECT n.id FROM new_patients n));
	ELSE
		PERFORM report_panel_note(ARRAY(
			SELECT n.id FROM new_patients n JOIN old_patients o ON o.id = n.id
			WHERE (n.condition_code, n.sex, n.date_of_birth, n.enrolled_on) IS DISTINCT FROM (o.condition_code, o.sex, o.date_of_birth, o.enrolled_on)
		));
	END IF;
	RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER patients_report_panels_insert AFTER INSERT ON patients
	REFERENCING NEW TABLE AS new_patients FOR EACH STATEMENT EXECUTE FUNCTION patients_refresh_report_panels();
--> statement-breakpoint
CREATE TRIGGER patients_report_panels_update AFTER UPDATE ON patients
	REFERENCING OLD TABLE AS old_patients NEW TABLE AS new_patients FOR EACH STATEMENT EXECUTE FUNCTION patients_refresh_report_panels();
--> statement-breakpoint
-- Visits: any insert or delete; an update of a column the rows read.
CREATE FUNCTION visits_refresh_report_panels() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		PERFORM report_panel_note(ARRAY(SELECT DISTINCT n.patient_id FROM new_visits n));
	ELSIF TG_OP = 'DELETE' THEN
		PERFORM report_panel_note(ARRAY(SELECT DISTINCT o.patient_id FROM old_visits o));
	ELSE
		PERFORM report_panel_note(ARRAY(
			SELECT DISTINCT x.patient_id
			FROM new_visits n
			JOIN old_visits o ON o.id = n.id
			CROSS JOIN LATERAL (VALUES (n.patient_id), (o.patient_id)) AS x(patient_id)
			WHERE (n.patient_id, n.visit_date, n.voided, n.acupuncture_sessions) IS DISTINCT FROM (o.patient_id, o.visit_date, o.voided, o.acupuncture_sessions)
		));
	END IF;
	RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER visits_zz_report_panels_insert AFTER INSERT ON visits
	REFERENCING NEW TABLE AS new_visits FOR EACH STATEMENT EXECUTE FUNCTION visits_refresh_report_panels();
--> statement-breakpoint
CREATE TRIGGER visits_zz_report_panels_update AFTER UPDATE ON visits
	REFERENCING OLD TABLE AS old_visits NEW TABLE AS new_visits FOR EACH STATEMENT EXECUTE FUNCTION visits_refresh_report_panels();
--> statement-breakpoint
CREATE TRIGGER visits_zz_report_panels_delete AFTER DELETE ON visits
	REFERENCING OLD TABLE AS old_visits FOR EACH STATEMENT EXECUTE FUNCTION visits_refresh_report_panels();
--> statement-breakpoint
-- score_values: every change of a live visit's scores (a score written, changed or deleted, a
-- response moved, a visit voided or re-dated) reaches it.
CREATE FUNCTION score_values_refresh_report_panels() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		PERFORM report_panel_note(ARRAY(SELECT DISTINCT n.patient_id FROM new_values n));
	ELSIF TG_OP = 'DELETE' THEN
		PERFORM report_panel_note(ARRAY(SELECT DISTINCT o.patient_id FROM old_values o));
	ELSE
		PERFORM report_panel_note(ARRAY(
			SELECT n.patient_id FROM new_values n UNION SELECT o.patient_id FROM old_values o
		));
	END IF;
	RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER score_values_report_panels_insert AFTER INSERT ON score_values
	REFERENCING NEW TABLE AS new_values FOR EACH STATEMENT EXECUTE FUNCTION score_values_refresh_report_panels();
--> statement-breakpoint
CREATE TRIGGER score_values_report_panels_update AFTER UPDATE ON score_values
	REFERENCING OLD TABLE AS old_values NEW TABLE AS new_values FOR EACH STATEMENT EXECUTE FUNCTION score_values_refresh_report_panels();
--> statement-breakpoint
CREATE TRIGGER score_values_report_panels_delete AFTER DELETE ON score_values
	REFERENCING OLD TABLE AS old_values FOR EACH STATEMENT EXECUTE FUNCTION score_values_refresh_report_panels();
--> statement-breakpoint
-- The kept rows are the database's: no one edits them but these functions (a locked version's
-- report must not be altered by hand any more than its plan).
CREATE FUNCTION report_panels_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'report_panels: a kept version''s choices never change' USING ERRCODE = 'check_violation', CONSTRAINT = 'report_panels_frozen';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER report_panels_frozen BEFORE UPDATE OR DELETE ON report_panels FOR EACH ROW EXECUTE FUNCTION report_panels_frozen();
--> statement-breakpoint
-- A version is kept only when locked (its choices are then fixed for good): checked at commit, as
-- the lock keeps the panel first and then records, in the version, the follow-ups it counted.
CREATE FUNCTION report_panels_locked_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM analysis_plan_versions WHERE id = NEW.version_id AND status IN ('locked', 'superseded')) THEN
		RAISE EXCEPTION 'report_panels: version % is not locked', NEW.version_id USING ERRCODE = 'check_violation', CONSTRAINT = 'report_panels_locked_only';
	END IF;
	RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER report_panels_locked_only AFTER INSERT ON report_panels
	DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION report_panels_locked_only();
--> statement-breakpoint
-- Versions locked before this migration: kept from now on.
INSERT INTO report_panels (version_id, conditions, instruments, scales, target_day, from_day, to_day, visit)
SELECT v.id,
	ARRAY(SELECT jsonb_array_elements_text(v.body -> 'conditions')),
	ARRAY(SELECT x ->> 'instrument' FROM jsonb_array_elements(jsonb_build_array(v.body -> 'primary') || coalesce(v.body -> 'secondary', '[]'::jsonb)) WITH ORDINALITY AS t(x, n) ORDER BY n),
	ARRAY(SELECT x ->> 'scale' FROM jsonb_array_elements(jsonb_build_array(v.body -> 'primary') || coalesce(v.body -> 'secondary', '[]'::jsonb)) WITH ORDINALITY AS t(x, n) ORDER BY n),
	CASE WHEN v.body -> 'timepoint' ? 'visit' THEN NULL ELSE (v.body #>> '{timepoint,weeks}')::int * 7 END,
	CASE WHEN v.body -> 'timepoint' ? 'visit' THEN NULL ELSE ((v.body #>> '{timepoint,weeks}')::int - (v.body #>> '{timepoint,window_weeks}')::int) * 7 END,
	CASE WHEN v.body -> 'timepoint' ? 'visit' THEN NULL ELSE ((v.body #>> '{timepoint,weeks}')::int + (v.body #>> '{timepoint,window_weeks}')::int) * 7 END,
	CASE WHEN v.body -> 'timepoint' ? 'visit' THEN (v.body #>> '{timepoint,visit}')::int END
FROM analysis_plan_versions v
WHERE v.status IN ('locked', 'superseded');
--> statement-breakpoint
INSERT INTO report_panel_rows SELECT * FROM report_panel_compute(NULL, NULL) ORDER BY 1, 2;
--> statement-breakpoint
ANALYZE report_panel_rows;
