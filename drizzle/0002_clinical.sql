CREATE TABLE "conditions" (
	"code" text PRIMARY KEY NOT NULL,
	"label" text NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "conditions_code_format" CHECK ("conditions"."code" ~ '^[a-z][a-z0-9_]{0,39}$'),
	CONSTRAINT "conditions_label_present" CHECK (length(trim("conditions"."label")) between 1 and 120)
);
--> statement-breakpoint
CREATE TABLE "instrument_scales" (
	"instrument_id" text NOT NULL,
	"scale" text NOT NULL,
	"min" double precision NOT NULL,
	"max" double precision,
	CONSTRAINT "instrument_scales_instrument_id_scale_pk" PRIMARY KEY("instrument_id","scale"),
	CONSTRAINT "instrument_scales_range" CHECK ("instrument_scales"."max" is null or "instrument_scales"."max" >= "instrument_scales"."min")
);
--> statement-breakpoint
CREATE TABLE "patients" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"clinic_ref" text NOT NULL,
	"name" text NOT NULL,
	"date_of_birth" date NOT NULL,
	"sex" text NOT NULL,
	"condition_code" text NOT NULL,
	"enrolled_on" date NOT NULL,
	"archived" boolean DEFAULT false NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "patients_ref_format" CHECK (length(trim("patients"."clinic_ref")) between 1 and 40 and "patients"."clinic_ref" = trim("patients"."clinic_ref")),
	CONSTRAINT "patients_name_present" CHECK (length(trim("patients"."name")) between 1 and 200),
	CONSTRAINT "patients_sex_known" CHECK ("patients"."sex" in ('female', 'male', 'other', 'unknown')),
	CONSTRAINT "patients_dob_plausible" CHECK ("patients"."date_of_birth" >= date '1900-01-01'),
	CONSTRAINT "patients_enrolled_after_birth" CHECK ("patients"."enrolled_on" >= "patients"."date_of_birth"),
	CONSTRAINT "patients_version_positive" CHECK ("patients"."version" >= 1)
);
--> statement-breakpoint
CREATE TABLE "response_scores" (
	"response_id" uuid NOT NULL,
	"instrument_id" text NOT NULL,
	"scale" text NOT NULL,
	"value" double precision,
	CONSTRAINT "response_scores_response_id_scale_pk" PRIMARY KEY("response_id","scale"),
	CONSTRAINT "response_scores_finite" CHECK ("response_scores"."value" is null or ("response_scores"."value" <> 'NaN'::float8 and "response_scores"."value" <> 'Infinity'::float8 and "response_scores"."value" <> '-Infinity'::float8))
);
--> statement-breakpoint
CREATE TABLE "responses" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"visit_id" uuid NOT NULL,
	"instrument_id" text NOT NULL,
	"instrument_version" text NOT NULL,
	"scoring_version" text NOT NULL,
	"answers" jsonb NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"entered_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "responses_visit_instrument_key" UNIQUE("visit_id","instrument_id"),
	CONSTRAINT "responses_id_instrument_key" UNIQUE("id","instrument_id"),
	CONSTRAINT "responses_answers_object" CHECK (jsonb_typeof("responses"."answers") = 'object'),
	CONSTRAINT "responses_version_positive" CHECK ("responses"."version" >= 1)
);
--> statement-breakpoint
CREATE TABLE "visits" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"patient_id" uuid NOT NULL,
	"visit_date" date NOT NULL,
	"kind" text NOT NULL,
	"acupuncture_sessions" integer NOT NULL,
	"flare" text DEFAULT 'unknown' NOT NULL,
	"note" text,
	"version" integer DEFAULT 1 NOT NULL,
	"voided" boolean DEFAULT false NOT NULL,
	"void_reason" text,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "visits_kind_known" CHECK ("visits"."kind" in ('baseline', 'treatment', 'follow_up')),
	CONSTRAINT "visits_flare_known" CHECK ("visits"."flare" in ('yes', 'no', 'unknown')),
	CONSTRAINT "visits_sessions_range" CHECK ("visits"."acupuncture_sessions" between 0 and 200),
	CONSTRAINT "visits_note_length" CHECK ("visits"."note" is null or length("visits"."note") <= 4000),
	CONSTRAINT "visits_void_has_reason" CHECK (("visits"."voided" and length(trim(coalesce("visits"."void_reason", ''))) > 0) or (not "visits"."voided" and "visits"."void_reason" is null)),
	CONSTRAINT "visits_version_positive" CHECK ("visits"."version" >= 1)
);
--> statement-breakpoint
ALTER TABLE "patients" ADD CONSTRAINT "patients_condition_code_conditions_code_fk" FOREIGN KEY ("condition_code") REFERENCES "public"."conditions"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "response_scores" ADD CONSTRAINT "response_scores_response_id_responses_id_fk" FOREIGN KEY ("response_id") REFERENCES "public"."responses"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "response_scores" ADD CONSTRAINT "response_scores_response_id_instrument_id_responses_id_instrument_id_fk" FOREIGN KEY ("response_id","instrument_id") REFERENCES "public"."responses"("id","instrument_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "response_scores" ADD CONSTRAINT "response_scores_instrument_id_scale_instrument_scales_instrument_id_scale_fk" FOREIGN KEY ("instrument_id","scale") REFERENCES "public"."instrument_scales"("instrument_id","scale") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "responses" ADD CONSTRAINT "responses_visit_id_visits_id_fk" FOREIGN KEY ("visit_id") REFERENCES "public"."visits"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "responses" ADD CONSTRAINT "responses_entered_by_users_id_fk" FOREIGN KEY ("entered_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "visits" ADD CONSTRAINT "visits_patient_id_patients_id_fk" FOREIGN KEY ("patient_id") REFERENCES "public"."patients"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "visits" ADD CONSTRAINT "visits_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "conditions_label_key" ON "conditions" USING btree (lower("label"));--> statement-breakpoint
CREATE UNIQUE INDEX "patients_clinic_ref_key" ON "patients" USING btree (lower("clinic_ref"));--> statement-breakpoint
CREATE INDEX "patients_condition_idx" ON "patients" USING btree ("condition_code");--> statement-breakpoint
CREATE INDEX "response_scores_instrument_scale_idx" ON "response_scores" USING btree ("instrument_id","scale");--> statement-breakpoint
CREATE INDEX "visits_patient_date_idx" ON "visits" USING btree ("patient_id","visit_date");