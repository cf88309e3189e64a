CREATE TABLE "patient_flare_months" (
	"patient_id" uuid NOT NULL,
	"condition_code" text NOT NULL,
	"month" integer NOT NULL,
	"onsets" integer NOT NULL,
	CONSTRAINT "patient_flare_months_patient_id_month_pk" PRIMARY KEY("patient_id","month")
);
--> statement-breakpoint
CREATE TABLE "patient_safety_summary" (
	"patient_id" uuid PRIMARY KEY NOT NULL,
	"condition_code" text NOT NULL,
	"visits" integer NOT NULL,
	"sessions" integer NOT NULL,
	"asked" integer NOT NULL,
	"baseline" date NOT NULL,
	"last_visit" date NOT NULL,
	"early_flares" integer NOT NULL,
	"later_flares" integer NOT NULL,
	CONSTRAINT "patient_safety_summary_visits_positive" CHECK ("patient_safety_summary"."visits" >= 1)
);
--> statement-breakpoint
CREATE TABLE "patient_stress_flare" (
	"patient_id" uuid NOT NULL,
	"condition_code" text NOT NULL,
	"instrument_id" text NOT NULL,
	"flared_visits" integer NOT NULL,
	"flared_sum" double precision NOT NULL,
	"other_visits" integer NOT NULL,
	"other_sum" double precision NOT NULL,
	CONSTRAINT "patient_stress_flare_patient_id_instrument_id_pk" PRIMARY KEY("patient_id","instrument_id")
);
--> statement-breakpoint
ALTER TABLE "patient_flare_months" ADD CONSTRAINT "patient_flare_months_patient_id_patients_id_fk" FOREIGN KEY ("patient_id") REFERENCES "public"."patients"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "patient_safety_summary" ADD CONSTRAINT "patient_safety_summary_patient_id_patients_id_fk" FOREIGN KEY ("patient_id") REFERENCES "public"."patients"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "patient_stress_flare" ADD CONSTRAINT "patient_stress_flare_patient_id_patients_id_fk" FOREIGN KEY ("patient_id") REFERENCES "public"."patients"("id") ON DELETE cascade ON UPDATE no action;