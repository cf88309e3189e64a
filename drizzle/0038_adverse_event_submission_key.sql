ALTER TABLE "adverse_events" ADD COLUMN "submission_key" uuid;--> statement-breakpoint
CREATE UNIQUE INDEX "adverse_events_submission_key" ON "adverse_events" USING btree ("submission_key");