-- Analysis plans (issue 20). A new version marks the one it supersedes before the new row exists
-- (one live version per plan, a unique index), so the link is checked at commit.
ALTER TABLE analysis_plan_versions ALTER CONSTRAINT analysis_plan_versions_superseded_by_fk DEFERRABLE INITIALLY DEFERRED;
--> statement-breakpoint
-- A locked version is frozen: its body, canonical text, hash and lock never change, and it is
-- never deleted. The one change allowed is to be superseded, once, with a reason. A superseded
-- version changes no more. A draft is edited or locked, never superseded. Whoever writes the row
-- (the app, a script, psql), the database refuses anything else.
CREATE FUNCTION analysis_plan_versions_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		IF OLD.status <> 'draft' THEN
			RAISE EXCEPTION 'analysis plan % version % is locked: it cannot be deleted', OLD.plan_id, OLD.version USING ERRCODE = 'check_violation', CONSTRAINT = 'analysis_plan_versions_frozen';
		END IF;
		RETURN OLD;
	END IF;
	IF NEW.id <> OLD.id OR NEW.plan_id <> OLD.plan_id OR NEW.version <> OLD.version OR NEW.created_by IS DISTINCT FROM OLD.created_by OR NEW.created_at <> OLD.created_at THEN
		RAISE EXCEPTION 'an analysis plan version keeps its identity' USING ERRCODE = 'check_violation', CONSTRAINT = 'analysis_plan_versions_frozen';
	END IF;
	IF OLD.status = 'draft' THEN
		IF NEW.status = 'superseded' THEN
			RAISE EXCEPTION 'a draft is edited, not superseded' USING ERRCODE = 'check_violation', CONSTRAINT = 'analysis_plan_versions_frozen';
		END IF;
		RETURN NEW;
	END IF;
	IF OLD.status = 'superseded' THEN
		RAISE EXCEPTION 'analysis plan % version % is superseded: it cannot change', OLD.plan_id, OLD.version USING ERRCODE = 'check_violation', CONSTRAINT = 'analysis_plan_versions_frozen';
	END IF;
	IF NEW.status <> 'superseded' OR NEW.body <> OLD.body OR NEW.canonical IS DISTINCT FROM OLD.canonical OR NEW.sha256 IS DISTINCT FROM OLD.sha256
		OR NEW.locked_by IS DISTINCT FROM OLD.locked_by OR NEW.locked_at IS DISTINCT FROM OLD.locked_at OR NEW.followups_at_lock IS DISTINCT FROM OLD.followups_at_lock THEN
		RAISE EXCEPTION 'analysis plan % version % is locked: it cannot change, only be superseded by a new version', OLD.plan_id, OLD.version USING ERRCODE = 'check_violation', CONSTRAINT = 'analysis_plan_versions_frozen';
	END IF;
	RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER analysis_plan_versions_frozen BEFORE UPDATE OR DELETE ON analysis_plan_versions
	FOR EACH ROW EXECUTE FUNCTION analysis_plan_versions_frozen();
--> statement-breakpoint
-- The lineage, checked at commit (both rows exist by then): version n > 1 is what version n − 1 of
-- the same plan was superseded by, and a version is superseded only by the next of its own plan.
CREATE FUNCTION analysis_plan_versions_lineage() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.version > 1 AND NOT EXISTS (
		SELECT 1 FROM analysis_plan_versions WHERE plan_id = NEW.plan_id AND version = NEW.version - 1 AND superseded_by = NEW.id
	) THEN
		RAISE EXCEPTION 'version % of plan % supersedes nothing', NEW.version, NEW.plan_id USING ERRCODE = 'check_violation', CONSTRAINT = 'analysis_plan_versions_lineage';
	END IF;
	IF NEW.superseded_by IS NOT NULL AND NOT EXISTS (
		SELECT 1 FROM analysis_plan_versions WHERE id = NEW.superseded_by AND plan_id = NEW.plan_id AND version = NEW.version + 1
	) THEN
		RAISE EXCEPTION 'version % of plan % is superseded by a version that is not its next', NEW.version, NEW.plan_id USING ERRCODE = 'check_violation', CONSTRAINT = 'analysis_plan_versions_lineage';
	END IF;
	RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER analysis_plan_versions_lineage AFTER INSERT OR UPDATE ON analysis_plan_versions
	DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION analysis_plan_versions_lineage();
--> statement-breakpoint
-- A published effect is withdrawn with a reason, never edited or deleted (the reports that showed it stay explainable).
CREATE FUNCTION reference_effects_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		RAISE EXCEPTION 'a reference effect is withdrawn, not deleted' USING ERRCODE = 'check_violation', CONSTRAINT = 'reference_effects_append_only';
	END IF;
	IF OLD.withdrawn OR NOT NEW.withdrawn OR (to_jsonb(NEW) - 'withdrawn' - 'withdrawn_reason') <> (to_jsonb(OLD) - 'withdrawn' - 'withdrawn_reason') THEN
		RAISE EXCEPTION 'a reference effect is only withdrawn, once' USING ERRCODE = 'check_violation', CONSTRAINT = 'reference_effects_append_only';
	END IF;
	RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER reference_effects_append_only BEFORE UPDATE OR DELETE ON reference_effects
	FOR EACH ROW EXECUTE FUNCTION reference_effects_append_only();
