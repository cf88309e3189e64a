-- A session in patient mode names its tablet self-report (kept here, not in the schema, since
-- schema/auth.ts and schema/selfreport.ts would import each other). A half-finished sign-in is never one.
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_kiosk_link_fk" FOREIGN KEY ("kiosk_link_id") REFERENCES "public"."self_report_links"("id");--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_kiosk_not_pending" CHECK ("kiosk_link_id" is null or "pending" is null);
