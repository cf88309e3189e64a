-- A definition version that any stored response was scored with never changes, however the row is
-- written (the app refuses first, with a message; this is the guarantee): not its text, digest,
-- id, version or built-in flag, and it is never deleted. Its status (active / inactive) may change.
CREATE FUNCTION instrument_definitions_check_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'UPDATE' AND NEW.instrument_id = OLD.instrument_id AND NEW.version = OLD.version
		AND NEW.definition = OLD.definition AND NEW.sha256 = OLD.sha256 AND NEW.built_in = OLD.built_in THEN
		RETURN NEW;
	END IF;
	IF EXISTS (SELECT 1 FROM responses WHERE definition_id = OLD.instrument_id AND definition_version = OLD.version) THEN
		RAISE EXCEPTION 'instrument definition % version % was used to score stored responses: it cannot change; upload a new version', OLD.instrument_id, OLD.version
			USING ERRCODE = 'check_violation';
	END IF;
	IF TG_OP = 'DELETE' THEN
		RETURN OLD;
	END IF;
	RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER instrument_definitions_immutable BEFORE UPDATE OR DELETE ON instrument_definitions
	FOR EACH ROW EXECUTE FUNCTION instrument_definitions_check_immutable();
--> statement-breakpoint
-- A response written without naming its definition (a script, an older client) records the stored
-- version of its instrument_version, else the active one; the app always names it.
CREATE FUNCTION responses_fill_definition() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.definition_sha256 IS NOT NULL THEN
		RETURN NEW;
	END IF;
	SELECT d.instrument_id, d.version, d.sha256 INTO NEW.definition_id, NEW.definition_version, NEW.definition_sha256
	FROM instrument_definitions d
	WHERE d.instrument_id = NEW.instrument_id AND (d.version = NEW.instrument_version OR d.status = 'active')
	ORDER BY d.version = NEW.instrument_version DESC
	LIMIT 1;
	RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER responses_fill_definition BEFORE INSERT ON responses
	FOR EACH ROW EXECUTE FUNCTION responses_fill_definition();
--> statement-breakpoint
-- Every new or changed response names its definition. NOT VALID: rows stored before this
-- migration are filled at start-up from the built-in files (the migration cannot read them).
ALTER TABLE responses ADD CONSTRAINT responses_definition_recorded
	CHECK (definition_id IS NOT NULL AND definition_version IS NOT NULL AND definition_sha256 IS NOT NULL) NOT VALID;
--> statement-breakpoint
-- The rows the start-up fill still has to name (empty once it ran): found without a scan.
CREATE INDEX responses_definition_missing_idx ON responses (id) WHERE definition_sha256 IS NULL;
