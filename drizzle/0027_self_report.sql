CREATE TABLE "self_report_answers" (
	"link_id" uuid NOT NULL,
	"instrument_id" text NOT NULL,
	"answers" jsonb NOT NULL,
	"submitted_at" timestamp with time zone DEFAULT now() NOT NULL,
	"accepted_at" timestamp with time zone,
	"accepted_by" uuid,
	"response_id" uuid,
	"discarded_at" timestamp with time zone,
	"discarded_by" uuid,
	"discard_reason" text,
	CONSTRAINT "self_report_answers_link_id_instrument_id_pk" PRIMARY KEY("link_id","instrument_id"),
	CONSTRAINT "self_report_answers_object" CHECK (jsonb_typeof("self_report_answers"."answers") = 'object'),
	CONSTRAINT "self_report_answers_accepted" CHECK (("self_report_answers"."accepted_at" is null) = ("self_report_answers"."accepted_by" is null) and ("self_report_answers"."accepted_at" is null) = ("self_report_answers"."response_id" is null)),
	CONSTRAINT "self_report_answers_discarded" CHECK (("self_report_answers"."discarded_at" is null) = ("self_report_answers"."discarded_by" is null) and ("self_report_answers"."discarded_at" is null) = ("self_report_answers"."discard_reason" is null) and ("self_report_answers"."discard_reason" is null or length(trim("self_report_answers"."discard_reason")) between 1 and 500)),
	CONSTRAINT "self_report_answers_one_outcome" CHECK ("self_report_answers"."accepted_at" is null or "self_report_answers"."discarded_at" is null)
);
--> statement-breakpoint
CREATE TABLE "self_report_links" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"visit_id" uuid NOT NULL,
	"mode" text NOT NULL,
	"instruments" text[] NOT NULL,
	"token_hash" text,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"created_by" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "self_report_links_mode_known" CHECK ("self_report_links"."mode" in ('tablet', 'link')),
	CONSTRAINT "self_report_links_token_for_links" CHECK (("self_report_links"."mode" = 'link') = ("self_report_links"."token_hash" is not null)),
	CONSTRAINT "self_report_links_token_sha256" CHECK ("self_report_links"."token_hash" is null or "self_report_links"."token_hash" ~ '^[0-9a-f]{64}$'),
	CONSTRAINT "self_report_links_instruments" CHECK (cardinality("self_report_links"."instruments") between 1 and 20 and array_to_string("self_report_links"."instruments", ',') ~ '^[a-z0-9_]{1,40}(,[a-z0-9_]{1,40})*$'),
	CONSTRAINT "self_report_links_expiry" CHECK ("self_report_links"."expires_at" > "self_report_links"."created_at" and "self_report_links"."expires_at" <= "self_report_links"."created_at" + interval '31 days'),
	CONSTRAINT "self_report_links_used_after_creation" CHECK ("self_report_links"."used_at" is null or "self_report_links"."used_at" >= "self_report_links"."created_at")
);
--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "kiosk_link_id" uuid;--> statement-breakpoint
ALTER TABLE "responses" ADD COLUMN "source" text DEFAULT 'clinician' NOT NULL;--> statement-breakpoint
ALTER TABLE "self_report_answers" ADD CONSTRAINT "self_report_answers_link_id_self_report_links_id_fk" FOREIGN KEY ("link_id") REFERENCES "public"."self_report_links"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "self_report_answers" ADD CONSTRAINT "self_report_answers_accepted_by_users_id_fk" FOREIGN KEY ("accepted_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "self_report_answers" ADD CONSTRAINT "self_report_answers_response_id_responses_id_fk" FOREIGN KEY ("response_id") REFERENCES "public"."responses"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "self_report_answers" ADD CONSTRAINT "self_report_answers_discarded_by_users_id_fk" FOREIGN KEY ("discarded_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "self_report_links" ADD CONSTRAINT "self_report_links_visit_id_visits_id_fk" FOREIGN KEY ("visit_id") REFERENCES "public"."visits"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "self_report_links" ADD CONSTRAINT "self_report_links_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "self_report_links_token_key" ON "self_report_links" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "self_report_links_visit_idx" ON "self_report_links" USING btree ("visit_id");--> statement-breakpoint
ALTER TABLE "responses" ADD CONSTRAINT "responses_source_known" CHECK ("responses"."source" in ('clinician', 'patient_tablet', 'patient_link'));