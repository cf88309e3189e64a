CREATE TABLE "instrument_definitions" (
	"instrument_id" text NOT NULL,
	"version" text NOT NULL,
	"definition" text NOT NULL,
	"sha256" text NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"built_in" boolean DEFAULT false NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_by" uuid,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "instrument_definitions_instrument_id_version_pk" PRIMARY KEY("instrument_id","version"),
	CONSTRAINT "instrument_definitions_version_sha_key" UNIQUE("instrument_id","version","sha256"),
	CONSTRAINT "instrument_definitions_status" CHECK ("instrument_definitions"."status" in ('draft', 'active', 'inactive')),
	CONSTRAINT "instrument_definitions_id_token" CHECK ("instrument_definitions"."instrument_id" ~ '^[a-z0-9_]{1,40}$' and "instrument_definitions"."version" ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$'),
	CONSTRAINT "instrument_definitions_sha" CHECK ("instrument_definitions"."sha256" = encode(sha256(convert_to("instrument_definitions"."definition", 'UTF8')), 'hex'))
);
--> statement-breakpoint
ALTER TABLE "responses" ADD COLUMN "definition_id" text;--> statement-breakpoint
ALTER TABLE "responses" ADD COLUMN "definition_version" text;--> statement-breakpoint
ALTER TABLE "responses" ADD COLUMN "definition_sha256" text;--> statement-breakpoint
ALTER TABLE "instrument_definitions" ADD CONSTRAINT "instrument_definitions_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "instrument_definitions" ADD CONSTRAINT "instrument_definitions_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "instrument_definitions_one_active" ON "instrument_definitions" USING btree ("instrument_id") WHERE "instrument_definitions"."status" = 'active';--> statement-breakpoint
ALTER TABLE "responses" ADD CONSTRAINT "responses_definition_fk" FOREIGN KEY ("definition_id","definition_version","definition_sha256") REFERENCES "public"."instrument_definitions"("instrument_id","version","sha256") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "responses_definition_idx" ON "responses" USING btree ("definition_id","definition_version");--> statement-breakpoint
ALTER TABLE "responses" ADD CONSTRAINT "responses_definition_of_instrument" CHECK ("responses"."definition_id" is null or "responses"."definition_id" = "responses"."instrument_id");