CREATE TABLE "answers" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"repository_id" text NOT NULL,
	"pull_request" integer NOT NULL,
	"model" text NOT NULL,
	"tokens_input" integer NOT NULL,
	"tokens_cache_write" integer NOT NULL,
	"tokens_cache_read" integer NOT NULL,
	"tokens_output" integer NOT NULL,
	"cost_usd" double precision NOT NULL,
	"created_at" bigint NOT NULL,
	"expires_at" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "daily_aggregates" ADD COLUMN "fixed_correctness" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "daily_aggregates" ADD COLUMN "fixed_security" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "daily_aggregates" ADD COLUMN "fixed_performance" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "daily_aggregates" ADD COLUMN "fixed_reliability" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "daily_aggregates" ADD COLUMN "fixed_maintainability" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "daily_aggregates" ADD COLUMN "fixed_testing" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "daily_aggregates" ADD COLUMN "fixed_documentation" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "daily_aggregates" ADD COLUMN "fixed_style" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "daily_aggregates" ADD COLUMN "dismissed_correctness" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "daily_aggregates" ADD COLUMN "dismissed_security" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "daily_aggregates" ADD COLUMN "dismissed_performance" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "daily_aggregates" ADD COLUMN "dismissed_reliability" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "daily_aggregates" ADD COLUMN "dismissed_maintainability" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "daily_aggregates" ADD COLUMN "dismissed_testing" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "daily_aggregates" ADD COLUMN "dismissed_documentation" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "daily_aggregates" ADD COLUMN "dismissed_style" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "dismissals" ADD COLUMN "dismissed_by" text;--> statement-breakpoint
ALTER TABLE "dismissals" ADD COLUMN "declined_at" bigint;--> statement-breakpoint
ALTER TABLE "answers" ADD CONSTRAINT "answers_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "answers" ADD CONSTRAINT "answers_repository_id_repositories_id_fk" FOREIGN KEY ("repository_id") REFERENCES "public"."repositories"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "answers_repository_pull_idx" ON "answers" USING btree ("repository_id","pull_request");--> statement-breakpoint
CREATE INDEX "answers_account_created_idx" ON "answers" USING btree ("account_id","created_at");--> statement-breakpoint
CREATE INDEX "answers_expires_idx" ON "answers" USING btree ("expires_at");