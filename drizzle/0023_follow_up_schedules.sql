CREATE TABLE "follow_up_schedule_points" (
	"schedule_id" uuid NOT NULL,
	"condition_code" text NOT NULL,
	"week" integer NOT NULL,
	"instruments" text[] NOT NULL,
	CONSTRAINT "follow_up_schedule_points_schedule_id_week_pk" PRIMARY KEY("schedule_id","week"),
	CONSTRAINT "follow_up_schedule_points_week_range" CHECK ("follow_up_schedule_points"."week" between 0 and 520),
	CONSTRAINT "follow_up_schedule_points_instruments" CHECK (cardinality("follow_up_schedule_points"."instruments") between 1 and 20 and array_to_string("follow_up_schedule_points"."instruments", ',') ~ '^[a-z0-9_]{1,40}(,[a-z0-9_]{1,40})*$')
);
--> statement-breakpoint
CREATE TABLE "follow_up_schedules" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"condition_code" text NOT NULL,
	"version" integer NOT NULL,
	"window_weeks" integer NOT NULL,
	"repeat_every_weeks" integer,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "follow_up_schedules_condition_version_key" UNIQUE("condition_code","version"),
	CONSTRAINT "follow_up_schedules_id_condition_key" UNIQUE("id","condition_code"),
	CONSTRAINT "follow_up_schedules_version_positive" CHECK ("follow_up_schedules"."version" >= 1),
	CONSTRAINT "follow_up_schedules_window_range" CHECK ("follow_up_schedules"."window_weeks" between 0 and 12),
	CONSTRAINT "follow_up_schedules_repeat_range" CHECK ("follow_up_schedules"."repeat_every_weeks" is null or ("follow_up_schedules"."repeat_every_weeks" between 1 and 104 and "follow_up_schedules"."repeat_every_weeks" > 2 * "follow_up_schedules"."window_weeks"))
);
--> statement-breakpoint
ALTER TABLE "follow_up_schedule_points" ADD CONSTRAINT "follow_up_schedule_points_schedule_fk" FOREIGN KEY ("schedule_id","condition_code") REFERENCES "public"."follow_up_schedules"("id","condition_code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "follow_up_schedules" ADD CONSTRAINT "follow_up_schedules_condition_code_conditions_code_fk" FOREIGN KEY ("condition_code") REFERENCES "public"."conditions"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "follow_up_schedules" ADD CONSTRAINT "follow_up_schedules_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;