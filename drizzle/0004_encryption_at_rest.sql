CREATE TABLE `data_keys` (
	`kid` text PRIMARY KEY NOT NULL,
	`created_at` integer NOT NULL,
	`retired_at` integer
);
--> statement-breakpoint
CREATE TABLE `finding_texts` (
	`review_id` text PRIMARY KEY NOT NULL,
	`sealed` blob NOT NULL,
	FOREIGN KEY (`review_id`) REFERENCES `reviews`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
-- Hand-added: each review's finding texts as the JSON of api/db/finding-texts.ts, in row order, before the
-- columns that held them go. The server seals these rows, and every other sealed column, as soon as the
-- migrations have run (api/db/data-keys.ts, prepareEncryption), before it answers anything.
INSERT INTO `finding_texts` (`review_id`, `sealed`)
SELECT `review_id`, json_group_array(`text` ORDER BY `row_id`, `part`) FROM (
  SELECT `review_id`, `row_id`, 0 AS `part`, `path` AS `text` FROM `findings`
  UNION ALL SELECT `review_id`, `row_id`, 1, `title` FROM `findings`
  UNION ALL SELECT `review_id`, `row_id`, 2, `body` FROM `findings`
) WHERE `review_id` IN (SELECT `id` FROM `reviews`) GROUP BY `review_id`;
--> statement-breakpoint
CREATE TABLE `retired_session_keys` (
	`kid` text PRIMARY KEY NOT NULL,
	`retired_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `findings` DROP COLUMN `path`;--> statement-breakpoint
ALTER TABLE `findings` DROP COLUMN `title`;--> statement-breakpoint
ALTER TABLE `findings` DROP COLUMN `body`;