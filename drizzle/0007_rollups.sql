CREATE TABLE "rollup_state" (
	"name" text PRIMARY KEY NOT NULL,
	"version" integer NOT NULL,
	"built_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "scale_histogram" (
	"instrument_id" text NOT NULL,
	"scale" text NOT NULL,
	"condition_code" text NOT NULL,
	"series" text NOT NULL,
	"x" integer NOT NULL,
	"measure" text NOT NULL,
	"value" double precision NOT NULL,
	"n" integer NOT NULL,
	CONSTRAINT "scale_histogram_instrument_id_scale_series_measure_condition_code_x_value_pk" PRIMARY KEY("instrument_id","scale","series","measure","condition_code","x","value"),
	CONSTRAINT "scale_histogram_n_nonnegative" CHECK ("scale_histogram"."n" >= 0)
);
