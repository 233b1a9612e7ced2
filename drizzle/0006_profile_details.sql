ALTER TABLE `accounts` ADD `company` text;--> statement-breakpoint
ALTER TABLE `accounts` ADD `contact_email` text;--> statement-breakpoint
ALTER TABLE `audit_log` ADD `fields` text;--> statement-breakpoint
ALTER TABLE `users` ADD `display_name` text;--> statement-breakpoint
ALTER TABLE `users` ADD `email` text;