ALTER TABLE "daily_aggregates" ADD COLUMN "failures" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Hand-added: the failed checks of the reviews still stored (all the pages show: the last 30 days), counted
-- once from the reviews into their repository's row of their day; the ingest adds each new one.
UPDATE "daily_aggregates" a SET "failures" = f.n FROM (
  SELECT r."account_id", p."name_key",
    to_char(to_timestamp(r."created_at" / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, count(*) AS n
  FROM "reviews" r JOIN "repositories" p ON p."id" = r."repository_id"
  WHERE r."conclusion" = 'failure'
  GROUP BY 1, 2, 3
) AS f
WHERE a."account_id" = f."account_id" AND a."repository" = f."name_key" AND a."day" = f.day;
