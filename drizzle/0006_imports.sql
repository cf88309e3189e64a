CREATE TABLE "import_chunks" (
	"import_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"data" "bytea" NOT NULL,
	CONSTRAINT "import_chunks_import_id_seq_pk" PRIMARY KEY("import_id","seq")
);
--> statement-breakpoint
CREATE TABLE "import_column_memory" (
	"header_key" text PRIMARY KEY NOT NULL,
	"field" text,
	"updated_by" uuid,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "import_issues" (
	"import_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"line" integer NOT NULL,
	"column" text NOT NULL,
	"kind" text NOT NULL,
	"message" text NOT NULL,
	CONSTRAINT "import_issues_import_id_seq_pk" PRIMARY KEY("import_id","seq"),
	CONSTRAINT "import_issues_kind" CHECK ("import_issues"."kind" in ('error', 'skipped'))
);
--> statement-breakpoint
CREATE TABLE "imports" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"file_name" text NOT NULL,
	"file_sha256" text,
	"byte_size" bigint DEFAULT 0 NOT NULL,
	"encoding" text,
	"delimiter" text,
	"headers" jsonb,
	"mapping" jsonb,
	"date_format" text DEFAULT 'iso' NOT NULL,
	"status" text DEFAULT 'uploading' NOT NULL,
	"summary" jsonb,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"validated_at" timestamp with time zone,
	"committed_at" timestamp with time zone,
	"committed_by" uuid,
	CONSTRAINT "imports_status_known" CHECK ("imports"."status" in ('uploading', 'uploaded', 'validated', 'committed', 'discarded')),
	CONSTRAINT "imports_sha_hex" CHECK ("imports"."file_sha256" is null or "imports"."file_sha256" ~ '^[0-9a-f]{64}$'),
	CONSTRAINT "imports_file_name" CHECK (length("imports"."file_name") between 1 and 255),
	CONSTRAINT "imports_committed_has_sha" CHECK ("imports"."status" <> 'committed' or ("imports"."file_sha256" is not null and "imports"."committed_at" is not null))
);
--> statement-breakpoint
ALTER TABLE "import_chunks" ADD CONSTRAINT "import_chunks_import_id_imports_id_fk" FOREIGN KEY ("import_id") REFERENCES "public"."imports"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "import_column_memory" ADD CONSTRAINT "import_column_memory_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "import_issues" ADD CONSTRAINT "import_issues_import_id_imports_id_fk" FOREIGN KEY ("import_id") REFERENCES "public"."imports"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "imports" ADD CONSTRAINT "imports_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "imports" ADD CONSTRAINT "imports_committed_by_users_id_fk" FOREIGN KEY ("committed_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "imports_committed_sha_key" ON "imports" USING btree ("file_sha256") WHERE "imports"."status" = 'committed';--> statement-breakpoint
CREATE INDEX "imports_created_idx" ON "imports" USING btree ("created_at");