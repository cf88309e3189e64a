ALTER TABLE "conditions" ADD COLUMN "key_outcomes" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "conditions" ADD CONSTRAINT "conditions_key_outcomes_format" CHECK (cardinality("conditions"."key_outcomes") <= 20 and array_to_string("conditions"."key_outcomes", ',') ~ '^([a-z0-9_]{1,40}:[a-z0-9_]{1,40}(,|$))*$');--> statement-breakpoint
-- Our defaults, from what the clinic claims for each condition (DESIGN.md): fatigue for MS,
-- pain and function for the arthritides, disease activity where a score exists, well-being else.
-- An admin changes them on the Conditions page.
UPDATE "conditions" AS c SET "key_outcomes" = d.outcomes FROM (VALUES
	('rheumatoid_arthritis', ARRAY['pain_nrs:score', 'das28_esr:score', 'haq_di:score']),
	('multiple_sclerosis', ARRAY['fss9:mean', 'mfis21:total']),
	('sle', ARRAY['sledai_2k:score', 'who5:percentage']),
	('crohns', ARRAY['hbi:score', 'pain_nrs:score']),
	('ulcerative_colitis', ARRAY['pain_nrs:score', 'who5:percentage']),
	('hashimoto', ARRAY['fss9:mean', 'who5:percentage']),
	('psoriatic_arthritis', ARRAY['pain_nrs:score', 'haq_di:score']),
	('sjogren', ARRAY['fss9:mean', 'pain_nrs:score']),
	('other', ARRAY['pain_nrs:score', 'who5:percentage'])
) AS d(code, outcomes) WHERE c."code" = d.code;
