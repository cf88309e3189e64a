CREATE TABLE "patient_series" (
	"patient_id" uuid NOT NULL,
	"instrument_id" text NOT NULL,
	"scale" text NOT NULL,
	"n" integer NOT NULL,
	"base_value" double precision NOT NULL,
	"base_date" date NOT NULL,
	"last_value" double precision NOT NULL,
	"last_date" date NOT NULL,
	"last_created_at" timestamp with time zone NOT NULL,
	"last_visit_id" uuid NOT NULL,
	CONSTRAINT "patient_series_patient_id_instrument_id_scale_pk" PRIMARY KEY("patient_id","instrument_id","scale"),
	CONSTRAINT "patient_series_n_positive" CHECK ("patient_series"."n" >= 1)
);
--> statement-breakpoint
ALTER TABLE "patient_series" ADD CONSTRAINT "patient_series_patient_id_patients_id_fk" FOREIGN KEY ("patient_id") REFERENCES "public"."patients"("id") ON DELETE no action ON UPDATE no action;