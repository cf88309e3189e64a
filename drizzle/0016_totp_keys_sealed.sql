-- TOTP keys are stored sealed (AES-256-GCM under MFA_ENCRYPTION_KEY, kept outside the database).
-- Keys stored in clear by earlier versions are sealed by the app at its next start (it holds the
-- key; SQL cannot), so the check is added NOT VALID: new and updated rows must be sealed at once,
-- and the app validates the constraint for every row once it has sealed the old ones.
ALTER TABLE "users" DROP CONSTRAINT "users_totp_key_length";--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_totp_key_sealed" CHECK (("users"."totp_key" is null or (octet_length("users"."totp_key") = 57 and get_byte("users"."totp_key", 0) = 1)) and ("users"."totp_pending_key" is null or (octet_length("users"."totp_pending_key") = 57 and get_byte("users"."totp_pending_key", 0) = 1))) NOT VALID;
