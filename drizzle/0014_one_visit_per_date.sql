-- One live visit per patient per date. A database written before this rule may hold two on one
-- date (the form allowed it): every such visit but the first recorded is voided here with this
-- exact reason, so nothing is deleted; at start-up the app writes their audit rows and rebuilds
-- the cohort rollup (settleUpgradeVoids in src/lib/server/visits/upgrade.ts).
UPDATE "visits" AS v
SET "voided" = true,
	"void_reason" = 'Voided by the upgrade to one visit per patient per date: another visit on this date was recorded first. Restore it after moving one of them to its true date.',
	"version" = v."version" + 1,
	"updated_at" = now()
WHERE NOT v."voided"
	AND EXISTS (
		SELECT 1 FROM "visits" AS w
		WHERE w."patient_id" = v."patient_id" AND w."visit_date" = v."visit_date" AND NOT w."voided"
			AND (w."created_at", w."id") < (v."created_at", v."id")
	);--> statement-breakpoint
CREATE UNIQUE INDEX "visits_one_live_per_date" ON "visits" USING btree ("patient_id","visit_date") WHERE not "visits"."voided";
