CREATE TABLE "recovery_codes" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "recovery_codes_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"user_id" uuid NOT NULL,
	"code_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "recovery_codes_hash_sha256" CHECK ("recovery_codes"."code_hash" ~ '^[0-9a-f]{64}$')
);
--> statement-breakpoint
CREATE TABLE "security_settings" (
	"id" smallint PRIMARY KEY DEFAULT 1 NOT NULL,
	"mfa_required_roles" text[] DEFAULT '{}'::text[] NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "security_settings_singleton" CHECK ("security_settings"."id" = 1),
	CONSTRAINT "security_settings_roles_known" CHECK ("security_settings"."mfa_required_roles" <@ array['admin', 'clinician', 'researcher']::text[])
);
--> statement-breakpoint
CREATE TABLE "throttle_resets" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "throttle_resets_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"account" text,
	"address" text,
	"cleared_by" uuid,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "throttle_resets_one_key" CHECK (("throttle_resets"."account" is null) <> ("throttle_resets"."address" is null))
);
--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "pending" text;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "totp_pending_key" "bytea";--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "totp_key" "bytea";--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "totp_last_step" bigint;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "totp_enabled_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "recovery_codes" ADD CONSTRAINT "recovery_codes_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "throttle_resets" ADD CONSTRAINT "throttle_resets_cleared_by_users_id_fk" FOREIGN KEY ("cleared_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "recovery_codes_hash_key" ON "recovery_codes" USING btree ("code_hash");--> statement-breakpoint
CREATE INDEX "recovery_codes_user_idx" ON "recovery_codes" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "throttle_resets_account_idx" ON "throttle_resets" USING btree ("account","at");--> statement-breakpoint
CREATE INDEX "throttle_resets_address_idx" ON "throttle_resets" USING btree ("address","at");--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_pending_known" CHECK ("sessions"."pending" in ('verify', 'enrol'));--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_totp_key_length" CHECK (octet_length("users"."totp_key") = 20 and octet_length("users"."totp_pending_key") = 20);--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_totp_enabled_with_key" CHECK (("users"."totp_key" is null) = ("users"."totp_enabled_at" is null));