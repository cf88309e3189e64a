CREATE TABLE "scale_histogram_delta" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "scale_histogram_delta_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"instrument_id" text NOT NULL,
	"scale" text NOT NULL,
	"condition_code" text NOT NULL,
	"series" text NOT NULL,
	"x" integer NOT NULL,
	"measure" text NOT NULL,
	"value" double precision NOT NULL,
	"n" integer NOT NULL,
	CONSTRAINT "scale_histogram_delta_n_nonzero" CHECK ("scale_histogram_delta"."n" <> 0)
);
--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "chain" smallint DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "scale_histogram_delta_chart_idx" ON "scale_histogram_delta" USING btree ("instrument_id","scale","series","measure");--> statement-breakpoint
CREATE INDEX "audit_log_chain_idx" ON "audit_log" USING btree ("chain","id");--> statement-breakpoint
ALTER TABLE "audit_log" ADD CONSTRAINT "audit_log_chain_range" CHECK ("audit_log"."chain" between 0 and 63);