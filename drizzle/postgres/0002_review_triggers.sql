-- Hand-written (drizzle-kit does not model triggers): SQLite's `reviews_delete_findings` (0002) and
-- `reviews_release_usage` (0003), so that any deletion of reviews (the purge, a repository's disconnection,
-- an account's purge by cascade) deletes their findings and gives their stored bytes back, as on SQLite.
-- Statement-level with the deleted rows as a transition table, not once per row: a purge batch deletes
-- thousands of reviews, and one join over them replaces a statement per review.
CREATE FUNCTION "reviews_delete_findings"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM "findings" AS f USING "deleted_reviews" AS d
	WHERE f."row_id" BETWEEN d."findings_first" AND d."findings_last" AND f."review_id" = d."id";
	RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "reviews_delete_findings" AFTER DELETE ON "reviews"
	REFERENCING OLD TABLE AS "deleted_reviews" FOR EACH STATEMENT EXECUTE FUNCTION "reviews_delete_findings"();--> statement-breakpoint
CREATE FUNCTION "reviews_release_usage"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE "account_usage" AS u SET "stored_bytes" = greatest(0, u."stored_bytes" - d."bytes")
	FROM (SELECT "account_id", sum("stored_bytes") AS "bytes" FROM "deleted_reviews" GROUP BY "account_id") AS d
	WHERE u."account_id" = d."account_id";
	RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "reviews_release_usage" AFTER DELETE ON "reviews"
	REFERENCING OLD TABLE AS "deleted_reviews" FOR EACH STATEMENT EXECUTE FUNCTION "reviews_release_usage"();
