ALTER TABLE `memberships` ADD `invited_by` text;--> statement-breakpoint
ALTER TABLE `memberships` ADD `accepted_at` integer;--> statement-breakpoint
-- Hand-written data migration: every membership already stored becomes an invitation (sign-in used to open
-- the oldest membership, so an earlier sign-in proves no choice), and the GitHub sessions that sign-in
-- opened end; each person accepts once, at their next GitHub sign-in.
UPDATE `memberships` SET `accepted_at` = NULL, `invited_by` = NULL;--> statement-breakpoint
UPDATE `sessions` SET `revoked_at` = CAST(strftime('%s', 'now') AS INTEGER) * 1000 WHERE `user_id` IS NOT NULL AND `revoked_at` IS NULL;
--> statement-breakpoint
ALTER TABLE `accounts` ADD `company` text;--> statement-breakpoint
ALTER TABLE `accounts` ADD `contact_email` text;--> statement-breakpoint
ALTER TABLE `audit_log` ADD `fields` text;--> statement-breakpoint
ALTER TABLE `users` ADD `display_name` text;--> statement-breakpoint
ALTER TABLE `users` ADD `email` text;