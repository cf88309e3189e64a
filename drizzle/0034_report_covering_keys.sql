-- The evidence report (issue 20) reads, for every patient and outcome, the responses of the
-- visits inside the time point's window (by visit and instrument) and their scores (by response
-- and scale): about 120,000 lookups of each at 20,000 patients. Both keys now carry the column the
-- report reads (the response's id, the score's value), so that these lookups are index-only scans
-- and skip the tables themselves — the responses' rows hold the answers (344 MB at 20,000
-- patients) and were read only for their id. The same constraints, names and uniqueness: only
-- what the index stores beside its key changes, and no index is added for the writes to keep.
-- (drizzle's schema cannot say INCLUDE: the schema files keep declaring the plain key, which is
-- what drizzle-kit compares; the database has the covering one.)
ALTER TABLE "responses" DROP CONSTRAINT "responses_visit_instrument_key", ADD CONSTRAINT "responses_visit_instrument_key" UNIQUE ("visit_id", "instrument_id") INCLUDE ("id");--> statement-breakpoint
ALTER TABLE "response_scores" DROP CONSTRAINT "response_scores_response_id_scale_pk", ADD CONSTRAINT "response_scores_response_id_scale_pk" PRIMARY KEY ("response_id", "scale") INCLUDE ("value");
