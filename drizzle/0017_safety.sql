CREATE TABLE "adverse_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"patient_id" uuid NOT NULL,
	"visit_id" uuid,
	"onset_on" date NOT NULL,
	"category_code" text NOT NULL,
	"category_detail" text,
	"severity" text NOT NULL,
	"serious" boolean NOT NULL,
	"serious_criteria" text[] DEFAULT '{}'::text[] NOT NULL,
	"relatedness" text NOT NULL,
	"action_taken" text NOT NULL,
	"outcome" text NOT NULL,
	"resolved_on" date,
	"note" text,
	"acknowledged_at" timestamp with time zone,
	"acknowledged_by" uuid,
	"version" integer DEFAULT 1 NOT NULL,
	"voided" boolean DEFAULT false NOT NULL,
	"void_reason" text,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "adverse_events_severity_known" CHECK ("adverse_events"."severity" in ('mild', 'moderate', 'severe')),
	CONSTRAINT "adverse_events_relatedness_known" CHECK ("adverse_events"."relatedness" in ('certain', 'probable', 'possible', 'unlikely', 'conditional', 'unassessable')),
	CONSTRAINT "adverse_events_action_known" CHECK ("adverse_events"."action_taken" in ('none', 'treatment_adjusted', 'treatment_paused', 'treatment_stopped', 'medical_care', 'other')),
	CONSTRAINT "adverse_events_outcome_known" CHECK ("adverse_events"."outcome" in ('recovered', 'recovering', 'not_recovered', 'recovered_with_after_effects', 'fatal', 'unknown')),
	CONSTRAINT "adverse_events_criteria_known" CHECK ("adverse_events"."serious_criteria" <@ array['death', 'life_threatening', 'hospitalisation', 'disability', 'congenital_anomaly', 'other_important']::text[]),
	CONSTRAINT "adverse_events_serious_has_criterion" CHECK ("adverse_events"."serious" = (cardinality("adverse_events"."serious_criteria") > 0)),
	CONSTRAINT "adverse_events_fatal_is_death" CHECK ("adverse_events"."outcome" <> 'fatal' or 'death' = any("adverse_events"."serious_criteria")),
	CONSTRAINT "adverse_events_other_specified" CHECK ("adverse_events"."category_code" <> 'other' or length(trim(coalesce("adverse_events"."category_detail", ''))) > 0),
	CONSTRAINT "adverse_events_detail_length" CHECK ("adverse_events"."category_detail" is null or length("adverse_events"."category_detail") <= 200),
	CONSTRAINT "adverse_events_note_length" CHECK ("adverse_events"."note" is null or length("adverse_events"."note") <= 2000),
	CONSTRAINT "adverse_events_resolution_after_onset" CHECK ("adverse_events"."resolved_on" is null or "adverse_events"."resolved_on" >= "adverse_events"."onset_on"),
	CONSTRAINT "adverse_events_unresolved_has_no_date" CHECK ("adverse_events"."outcome" not in ('recovering', 'not_recovered') or "adverse_events"."resolved_on" is null),
	CONSTRAINT "adverse_events_acknowledged_serious" CHECK (("adverse_events"."acknowledged_at" is null) = ("adverse_events"."acknowledged_by" is null) and ("adverse_events"."acknowledged_at" is null or "adverse_events"."serious")),
	CONSTRAINT "adverse_events_void_has_reason" CHECK (("adverse_events"."voided" and length(trim(coalesce("adverse_events"."void_reason", ''))) > 0) or (not "adverse_events"."voided" and "adverse_events"."void_reason" is null)),
	CONSTRAINT "adverse_events_version_positive" CHECK ("adverse_events"."version" >= 1)
);
--> statement-breakpoint
CREATE TABLE "ae_categories" (
	"code" text PRIMARY KEY NOT NULL,
	"label" text NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ae_categories_code_format" CHECK ("ae_categories"."code" ~ '^[a-z][a-z0-9_]{0,39}$'),
	CONSTRAINT "ae_categories_label_present" CHECK (length(trim("ae_categories"."label")) between 1 and 120)
);
--> statement-breakpoint
CREATE TABLE "flare_episodes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"patient_id" uuid NOT NULL,
	"onset_on" date NOT NULL,
	"ended_on" date,
	"severity" text NOT NULL,
	"triggers" text[] DEFAULT '{}'::text[] NOT NULL,
	"treatment_changed" boolean NOT NULL,
	"note" text,
	"version" integer DEFAULT 1 NOT NULL,
	"voided" boolean DEFAULT false NOT NULL,
	"void_reason" text,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "flare_episodes_severity_known" CHECK ("flare_episodes"."severity" in ('mild', 'moderate', 'severe')),
	CONSTRAINT "flare_episodes_triggers_known" CHECK ("flare_episodes"."triggers" <@ array['stress', 'infection', 'medication_change', 'sleep', 'diet', 'other']::text[]),
	CONSTRAINT "flare_episodes_end_after_onset" CHECK ("flare_episodes"."ended_on" is null or "flare_episodes"."ended_on" >= "flare_episodes"."onset_on"),
	CONSTRAINT "flare_episodes_note_length" CHECK ("flare_episodes"."note" is null or length("flare_episodes"."note") <= 2000),
	CONSTRAINT "flare_episodes_void_has_reason" CHECK (("flare_episodes"."voided" and length(trim(coalesce("flare_episodes"."void_reason", ''))) > 0) or (not "flare_episodes"."voided" and "flare_episodes"."void_reason" is null)),
	CONSTRAINT "flare_episodes_version_positive" CHECK ("flare_episodes"."version" >= 1)
);
--> statement-breakpoint
ALTER TABLE "visits" ADD COLUMN "ae_answer" text DEFAULT 'not_asked' NOT NULL;--> statement-breakpoint
ALTER TABLE "adverse_events" ADD CONSTRAINT "adverse_events_patient_id_patients_id_fk" FOREIGN KEY ("patient_id") REFERENCES "public"."patients"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "adverse_events" ADD CONSTRAINT "adverse_events_visit_id_visits_id_fk" FOREIGN KEY ("visit_id") REFERENCES "public"."visits"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "adverse_events" ADD CONSTRAINT "adverse_events_category_code_ae_categories_code_fk" FOREIGN KEY ("category_code") REFERENCES "public"."ae_categories"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "adverse_events" ADD CONSTRAINT "adverse_events_acknowledged_by_users_id_fk" FOREIGN KEY ("acknowledged_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "adverse_events" ADD CONSTRAINT "adverse_events_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flare_episodes" ADD CONSTRAINT "flare_episodes_patient_id_patients_id_fk" FOREIGN KEY ("patient_id") REFERENCES "public"."patients"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flare_episodes" ADD CONSTRAINT "flare_episodes_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "adverse_events_patient_idx" ON "adverse_events" USING btree ("patient_id","onset_on");--> statement-breakpoint
CREATE INDEX "adverse_events_unacknowledged_idx" ON "adverse_events" USING btree ("created_at") WHERE "adverse_events"."serious" and "adverse_events"."acknowledged_at" is null and not "adverse_events"."voided";--> statement-breakpoint
CREATE UNIQUE INDEX "ae_categories_label_key" ON "ae_categories" USING btree (lower("label"));--> statement-breakpoint
CREATE INDEX "flare_episodes_patient_idx" ON "flare_episodes" USING btree ("patient_id","onset_on");--> statement-breakpoint
ALTER TABLE "visits" ADD CONSTRAINT "visits_ae_answer_known" CHECK ("visits"."ae_answer" in ('not_asked', 'none', 'yes'));