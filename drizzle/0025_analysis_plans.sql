CREATE TABLE "analysis_plan_versions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"plan_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"body" jsonb NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"canonical" text,
	"sha256" text,
	"locked_by" uuid,
	"locked_at" timestamp with time zone,
	"followups_at_lock" integer,
	"superseded_by" uuid,
	"superseded_reason" text,
	"superseded_at" timestamp with time zone,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "analysis_plan_versions_status_known" CHECK ("analysis_plan_versions"."status" in ('draft', 'locked', 'superseded')),
	CONSTRAINT "analysis_plan_versions_version_positive" CHECK ("analysis_plan_versions"."version" >= 1),
	CONSTRAINT "analysis_plan_versions_first_is_plan" CHECK (("analysis_plan_versions"."version" = 1) = ("analysis_plan_versions"."plan_id" = "analysis_plan_versions"."id")),
	CONSTRAINT "analysis_plan_versions_body_shape" CHECK (jsonb_typeof("analysis_plan_versions"."body") = 'object' and jsonb_typeof("analysis_plan_versions"."body" -> 'title') = 'string' and jsonb_typeof("analysis_plan_versions"."body" -> 'conditions') = 'array' and jsonb_typeof("analysis_plan_versions"."body" -> 'primary') = 'object' and jsonb_typeof("analysis_plan_versions"."body" -> 'timepoint') = 'object' and "analysis_plan_versions"."body" ->> 'primary_population' in ('completers', 'carried_forward')),
	CONSTRAINT "analysis_plan_versions_lock_complete" CHECK (case when "analysis_plan_versions"."status" = 'draft' then "analysis_plan_versions"."canonical" is null and "analysis_plan_versions"."sha256" is null and "analysis_plan_versions"."locked_by" is null and "analysis_plan_versions"."locked_at" is null and "analysis_plan_versions"."followups_at_lock" is null
				else "analysis_plan_versions"."canonical" is not null and "analysis_plan_versions"."locked_by" is not null and "analysis_plan_versions"."locked_at" is not null and "analysis_plan_versions"."followups_at_lock" >= 0
					and "analysis_plan_versions"."sha256" = encode(sha256(convert_to("analysis_plan_versions"."canonical", 'UTF8')), 'hex') and "analysis_plan_versions"."canonical"::jsonb = "analysis_plan_versions"."body" end),
	CONSTRAINT "analysis_plan_versions_superseded_complete" CHECK (("analysis_plan_versions"."status" = 'superseded') = ("analysis_plan_versions"."superseded_by" is not null) and ("analysis_plan_versions"."superseded_by" is null) = ("analysis_plan_versions"."superseded_at" is null)
				and ("analysis_plan_versions"."superseded_by" is null) = ("analysis_plan_versions"."superseded_reason" is null)),
	CONSTRAINT "analysis_plan_versions_reason_text" CHECK ("analysis_plan_versions"."superseded_reason" is null or (length(trim("analysis_plan_versions"."superseded_reason")) between 1 and 2000 and "analysis_plan_versions"."superseded_reason" !~ '[\x01-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\u061C\u200B\u200E\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]'))
);
--> statement-breakpoint
CREATE TABLE "reference_effects" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"citation" text NOT NULL,
	"population" text NOT NULL,
	"condition_code" text,
	"instrument_id" text NOT NULL,
	"scale" text NOT NULL,
	"measure" text NOT NULL,
	"effect" double precision NOT NULL,
	"ci_low" double precision NOT NULL,
	"ci_high" double precision NOT NULL,
	"withdrawn" boolean DEFAULT false NOT NULL,
	"withdrawn_reason" text,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "reference_effects_measure_known" CHECK ("reference_effects"."measure" in ('mean_change', 'smd')),
	CONSTRAINT "reference_effects_citation_text" CHECK (length(trim("reference_effects"."citation")) between 1 and 500 and "reference_effects"."citation" !~ '[\x01-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\u061C\u200B\u200E\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]'),
	CONSTRAINT "reference_effects_population_text" CHECK (length(trim("reference_effects"."population")) between 1 and 300 and "reference_effects"."population" !~ '[\x01-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\u061C\u200B\u200E\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]'),
	CONSTRAINT "reference_effects_interval" CHECK ("reference_effects"."ci_low" <= "reference_effects"."effect" and "reference_effects"."effect" <= "reference_effects"."ci_high" and abs("reference_effects"."ci_low") < 1e6 and abs("reference_effects"."ci_high") < 1e6 and "reference_effects"."ci_low" <> 'NaN'::float8 and "reference_effects"."ci_high" <> 'NaN'::float8 and "reference_effects"."effect" <> 'NaN'::float8),
	CONSTRAINT "reference_effects_withdrawn_reason" CHECK (("reference_effects"."withdrawn" and length(trim(coalesce("reference_effects"."withdrawn_reason", ''))) between 1 and 2000) or (not "reference_effects"."withdrawn" and "reference_effects"."withdrawn_reason" is null))
);
--> statement-breakpoint
ALTER TABLE "analysis_plan_versions" ADD CONSTRAINT "analysis_plan_versions_locked_by_users_id_fk" FOREIGN KEY ("locked_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "analysis_plan_versions" ADD CONSTRAINT "analysis_plan_versions_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "analysis_plan_versions" ADD CONSTRAINT "analysis_plan_versions_superseded_by_fk" FOREIGN KEY ("superseded_by") REFERENCES "public"."analysis_plan_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reference_effects" ADD CONSTRAINT "reference_effects_condition_code_conditions_code_fk" FOREIGN KEY ("condition_code") REFERENCES "public"."conditions"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reference_effects" ADD CONSTRAINT "reference_effects_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reference_effects" ADD CONSTRAINT "reference_effects_scale_fk" FOREIGN KEY ("instrument_id","scale") REFERENCES "public"."instrument_scales"("instrument_id","scale") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "analysis_plan_versions_plan_version_key" ON "analysis_plan_versions" USING btree ("plan_id","version");--> statement-breakpoint
CREATE UNIQUE INDEX "analysis_plan_versions_one_live" ON "analysis_plan_versions" USING btree ("plan_id") WHERE "analysis_plan_versions"."status" <> 'superseded';--> statement-breakpoint
CREATE INDEX "analysis_plan_versions_created_idx" ON "analysis_plan_versions" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "reference_effects_outcome_idx" ON "reference_effects" USING btree ("instrument_id","scale");