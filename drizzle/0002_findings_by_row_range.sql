-- Hand-edited: drizzle-kit generated this migration's snapshot and a plain copy of `findings`; the copy is
-- replaced by a renumbering, and the trigger is added (drizzle-kit models neither). Findings are now found
-- through the `row_id` range recorded on their review instead of `findings_review_idx` and a foreign key (see
-- api/db/schema.ts). The copy gives every review's findings consecutive row ids, reviews in the order of their
-- first finding and each review's findings in their old order (the reads' tie-break); findings whose review
-- is gone could never be read or purged, and are not copied. The old table's pages are zeroed on DROP
-- (secure_delete).
ALTER TABLE `reviews` ADD `findings_first` integer;--> statement-breakpoint
ALTER TABLE `reviews` ADD `findings_last` integer;--> statement-breakpoint
CREATE TABLE `__new_findings` (
	`row_id` integer PRIMARY KEY NOT NULL,
	`review_id` text NOT NULL,
	`path` text NOT NULL,
	`start_line` integer,
	`line` integer NOT NULL,
	`severity` text NOT NULL,
	`category` text NOT NULL,
	`title` text NOT NULL,
	`body` text NOT NULL,
	`fingerprint` text NOT NULL
);
--> statement-breakpoint
INSERT INTO `__new_findings`("row_id", "review_id", "path", "start_line", "line", "severity", "category", "title", "body", "fingerprint")
SELECT row_number() OVER (ORDER BY g."first_row", f."row_id"), f."review_id", f."path", f."start_line", f."line", f."severity", f."category", f."title", f."body", f."fingerprint"
FROM `findings` f
JOIN (SELECT "review_id", min("row_id") AS "first_row" FROM `findings` GROUP BY "review_id") g ON g."review_id" = f."review_id"
WHERE EXISTS (SELECT 1 FROM `reviews` r WHERE r."id" = f."review_id")
ORDER BY g."first_row", f."row_id";--> statement-breakpoint
UPDATE `reviews` SET "findings_first" = r."first", "findings_last" = r."last"
FROM (SELECT "review_id", min("row_id") AS "first", max("row_id") AS "last" FROM `__new_findings` GROUP BY "review_id") AS r
WHERE r."review_id" = `reviews`."id";--> statement-breakpoint
DROP TABLE `findings`;--> statement-breakpoint
ALTER TABLE `__new_findings` RENAME TO `findings`;--> statement-breakpoint
CREATE TRIGGER `reviews_delete_findings` AFTER DELETE ON `reviews` BEGIN
	DELETE FROM `findings` WHERE "row_id" BETWEEN old."findings_first" AND old."findings_last" AND "review_id" = old."id";
END;
