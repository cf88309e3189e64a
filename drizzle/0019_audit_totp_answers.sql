-- Merged from three migrations of the security review (issue 23 #6, #12): TOTP keys sealed, instrument items, answers rules.
-- TOTP keys are stored sealed (AES-256-GCM under MFA_ENCRYPTION_KEY, kept outside the database).
-- Keys stored in clear by earlier versions are sealed by the app at its next start (it holds the
-- key; SQL cannot), so the check is added NOT VALID: new and updated rows must be sealed at once,
-- and the app validates the constraint for every row once it has sealed the old ones.
ALTER TABLE "users" DROP CONSTRAINT "users_totp_key_length";--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_totp_key_sealed" CHECK (("users"."totp_key" is null or (octet_length("users"."totp_key") = 57 and get_byte("users"."totp_key", 0) = 1)) and ("users"."totp_pending_key" is null or (octet_length("users"."totp_pending_key") = 57 and get_byte("users"."totp_pending_key", 0) = 1))) NOT VALID;
--> statement-breakpoint
CREATE TABLE "instrument_items" (
	"instrument_id" text NOT NULL,
	"item_key" text NOT NULL,
	"min" double precision NOT NULL,
	"max" double precision NOT NULL,
	CONSTRAINT "instrument_items_instrument_id_item_key_pk" PRIMARY KEY("instrument_id","item_key"),
	CONSTRAINT "instrument_items_range" CHECK ("instrument_items"."max" >= "instrument_items"."min")
);
--> statement-breakpoint
-- The items of every instrument with their ranges (scripts/instrument-scales-sql.ts prints this
-- from the registry), then the rule the forms and the import already keep, now kept by the database
-- whatever writes: a response's answers are a JSON object (CHECK responses_answers_object) whose
-- keys are its instrument's items and whose values are numbers within the item's range, or null.
-- Checked once per statement over the rows it wrote, like the score ranges of 0012. Rows written
-- before this migration are not re-checked (the export neutralises any cell, whatever its origin).
INSERT INTO instrument_items (instrument_id, item_key, min, max) VALUES
	('fss9', '1', 1, 7),
	('fss9', '2', 1, 7),
	('fss9', '3', 1, 7),
	('fss9', '4', 1, 7),
	('fss9', '5', 1, 7),
	('fss9', '6', 1, 7),
	('fss9', '7', 1, 7),
	('fss9', '8', 1, 7),
	('fss9', '9', 1, 7),
	('mfis21', '1', 0, 4),
	('mfis21', '2', 0, 4),
	('mfis21', '3', 0, 4),
	('mfis21', '4', 0, 4),
	('mfis21', '5', 0, 4),
	('mfis21', '6', 0, 4),
	('mfis21', '7', 0, 4),
	('mfis21', '8', 0, 4),
	('mfis21', '9', 0, 4),
	('mfis21', '10', 0, 4),
	('mfis21', '11', 0, 4),
	('mfis21', '12', 0, 4),
	('mfis21', '13', 0, 4),
	('mfis21', '14', 0, 4),
	('mfis21', '15', 0, 4),
	('mfis21', '16', 0, 4),
	('mfis21', '17', 0, 4),
	('mfis21', '18', 0, 4),
	('mfis21', '19', 0, 4),
	('mfis21', '20', 0, 4),
	('mfis21', '21', 0, 4),
	('mfis5', '1', 0, 4),
	('mfis5', '2', 0, 4),
	('mfis5', '3', 0, 4),
	('mfis5', '4', 0, 4),
	('mfis5', '5', 0, 4),
	('pain_nrs', 'pain', 0, 10),
	('pain_vas', 'pain', 0, 100),
	('who5', '1', 0, 5),
	('who5', '2', 0, 5),
	('who5', '3', 0, 5),
	('who5', '4', 0, 5),
	('who5', '5', 0, 5),
	('rand36', '1', 1, 5),
	('rand36', '2', 1, 5),
	('rand36', '3', 1, 3),
	('rand36', '4', 1, 3),
	('rand36', '5', 1, 3),
	('rand36', '6', 1, 3),
	('rand36', '7', 1, 3),
	('rand36', '8', 1, 3),
	('rand36', '9', 1, 3),
	('rand36', '10', 1, 3),
	('rand36', '11', 1, 3),
	('rand36', '12', 1, 3),
	('rand36', '13', 1, 2),
	('rand36', '14', 1, 2),
	('rand36', '15', 1, 2),
	('rand36', '16', 1, 2),
	('rand36', '17', 1, 2),
	('rand36', '18', 1, 2),
	('rand36', '19', 1, 2),
	('rand36', '20', 1, 5),
	('rand36', '21', 1, 6),
	('rand36', '22', 1, 5),
	('rand36', '23', 1, 6),
	('rand36', '24', 1, 6),
	('rand36', '25', 1, 6),
	('rand36', '26', 1, 6),
	('rand36', '27', 1, 6),
	('rand36', '28', 1, 6),
	('rand36', '29', 1, 6),
	('rand36', '30', 1, 6),
	('rand36', '31', 1, 6),
	('rand36', '32', 1, 5),
	('rand36', '33', 1, 5),
	('rand36', '34', 1, 5),
	('rand36', '35', 1, 5),
	('rand36', '36', 1, 5),
	('promis_gh10', 'global01', 1, 5),
	('promis_gh10', 'global02', 1, 5),
	('promis_gh10', 'global03', 1, 5),
	('promis_gh10', 'global04', 1, 5),
	('promis_gh10', 'global05', 1, 5),
	('promis_gh10', 'global06', 1, 5),
	('promis_gh10', 'global07r', 0, 10),
	('promis_gh10', 'global08r', 1, 5),
	('promis_gh10', 'global09r', 1, 5),
	('promis_gh10', 'global10r', 1, 5),
	('das28_esr', 'tjc28', 0, 28),
	('das28_esr', 'sjc28', 0, 28),
	('das28_esr', 'esr', 1, 200),
	('das28_esr', 'patient_global', 0, 100),
	('das28_crp', 'tjc28', 0, 28),
	('das28_crp', 'sjc28', 0, 28),
	('das28_crp', 'crp', 0, 500),
	('das28_crp', 'patient_global', 0, 100),
	('hbi', 'wellbeing', 0, 4),
	('hbi', 'abdominal_pain', 0, 3),
	('hbi', 'liquid_stools', 0, 50),
	('hbi', 'abdominal_mass', 0, 3),
	('hbi', 'complications', 0, 8),
	('haq_di', 'score', 0, 3),
	('facit_fatigue', 'score', 0, 52),
	('promis_fatigue_t', 'score', 20, 90),
	('sledai_2k', 'score', 0, 105),
	('eq5d5l_index', 'score', -0.6, 1),
	('eq5d_vas', 'score', 0, 100)
ON CONFLICT (instrument_id, item_key) DO UPDATE SET min = excluded.min, max = excluded.max;
--> statement-breakpoint
CREATE FUNCTION responses_check_answers() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	bad record;
BEGIN
	-- CASE, not OR: the numeric cast must only ever see numbers.
	SELECT n.instrument_id, a.key, a.value, i.item_key IS NULL AS unknown INTO bad
	FROM new_responses n
	CROSS JOIN LATERAL jsonb_each(n.answers) a
	LEFT JOIN instrument_items i ON i.instrument_id = n.instrument_id AND i.item_key = a.key
	WHERE i.item_key IS NULL OR CASE jsonb_typeof(a.value)
		WHEN 'null' THEN false
		WHEN 'number' THEN a.value::numeric < i.min::numeric OR a.value::numeric > i.max::numeric
		ELSE true
	END
	LIMIT 1;
	IF NOT FOUND THEN
		RETURN NULL;
	END IF;
	IF bad.unknown THEN
		RAISE EXCEPTION 'answer key "%" is not an item of %', bad.key, bad.instrument_id USING ERRCODE = 'check_violation';
	END IF;
	RAISE EXCEPTION 'answer to % item % is not a number in its range or null', bad.instrument_id, bad.key USING ERRCODE = 'check_violation';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER responses_answers_rules_insert AFTER INSERT ON responses
	REFERENCING NEW TABLE AS new_responses FOR EACH STATEMENT EXECUTE FUNCTION responses_check_answers();
--> statement-breakpoint
CREATE TRIGGER responses_answers_rules_update AFTER UPDATE ON responses
	REFERENCING NEW TABLE AS new_responses FOR EACH STATEMENT EXECUTE FUNCTION responses_check_answers();
