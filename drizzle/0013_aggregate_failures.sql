ALTER TABLE `daily_aggregates` ADD `failures` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Hand-added: the failed checks of the reviews still stored (all the pages show: the last 30 days), counted
-- once from the reviews into their repository's row of their day; the ingest adds each new one.
UPDATE `daily_aggregates` SET `failures` = f.`n` FROM (
  SELECT r.`account_id`, p.`name_key`, strftime('%Y-%m-%d', r.`created_at` / 1000, 'unixepoch') AS `day`, count(*) AS `n`
  FROM `reviews` r JOIN `repositories` p ON p.`id` = r.`repository_id`
  WHERE r.`conclusion` = 'failure'
  GROUP BY 1, 2, 3
) AS f
WHERE `daily_aggregates`.`account_id` = f.`account_id` AND `daily_aggregates`.`repository` = f.`name_key`
  AND `daily_aggregates`.`day` = f.`day`;
