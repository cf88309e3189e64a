-- NOT VALID: rows stored before this check are not checked (a start-up must not fail on them); every
-- new or changed row is. Once none is left: ALTER TABLE ... VALIDATE CONSTRAINT ... (docs/security.md).
ALTER TABLE "users" ADD CONSTRAINT "users_name_visible" CHECK ("users"."name" !~ '[\x01-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\u061C\u200B\u200E\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]') NOT VALID;--> statement-breakpoint
ALTER TABLE "patients" ADD CONSTRAINT "patients_text_visible" CHECK ("patients"."clinic_ref" !~ '[\x01-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\u061C\u200B\u200E\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]' and "patients"."name" !~ '[\x01-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\u061C\u200B\u200E\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]') NOT VALID;
