-- Hand-edited: drizzle-kit generated the table, the column and the snapshot; the backfill and the trigger are
-- added (drizzle-kit models neither). Every review's `stored_bytes` is the UTF-8 bytes of its text as
-- `storedBytesOf` (api/db/reviews.ts) counts them, each account's usage their sum, and today's reviews (UTC)
-- its count for the day; from then on the writer adds each review, and the trigger takes back what any
-- deletion of a review (the purge, a disconnection, an account's purge by cascade) frees.
CREATE TABLE `account_usage` (
	`account_id` text PRIMARY KEY NOT NULL,
	`day` text NOT NULL,
	`reviews_on_day` integer DEFAULT 0 NOT NULL,
	`stored_bytes` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `reviews` ADD `stored_bytes` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
UPDATE `reviews` SET `stored_bytes` =
	length(CAST(`head_sha` AS BLOB)) + length(CAST(`base_sha` AS BLOB)) + length(CAST(`status` AS BLOB))
	+ length(CAST(`conclusion` AS BLOB)) + length(CAST(`model` AS BLOB))
	+ coalesce((
		SELECT sum(length(CAST(f."path" AS BLOB)) + length(CAST(f."severity" AS BLOB)) + length(CAST(f."category" AS BLOB))
			+ length(CAST(f."title" AS BLOB)) + length(CAST(f."body" AS BLOB)) + length(CAST(f."fingerprint" AS BLOB)))
		FROM `findings` f
		WHERE f."row_id" BETWEEN `reviews`."findings_first" AND `reviews`."findings_last" AND f."review_id" = `reviews`."id"
	), 0);--> statement-breakpoint
INSERT INTO `account_usage` ("account_id", "day", "reviews_on_day", "stored_bytes")
SELECT "account_id", date('now'), sum("created_at" >= CAST(strftime('%s', date('now')) AS INTEGER) * 1000), sum("stored_bytes")
FROM `reviews` GROUP BY "account_id";--> statement-breakpoint
CREATE TRIGGER `reviews_release_usage` AFTER DELETE ON `reviews` BEGIN
	UPDATE `account_usage` SET "stored_bytes" = max(0, "stored_bytes" - old."stored_bytes") WHERE "account_id" = old."account_id";
END;
