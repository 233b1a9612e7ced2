CREATE TABLE `answers` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`repository_id` text NOT NULL,
	`pull_request` integer NOT NULL,
	`model` text NOT NULL,
	`tokens_input` integer NOT NULL,
	`tokens_cache_write` integer NOT NULL,
	`tokens_cache_read` integer NOT NULL,
	`tokens_output` integer NOT NULL,
	`cost_usd` real NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`repository_id`) REFERENCES `repositories`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `answers_repository_pull_idx` ON `answers` (`repository_id`,`pull_request`);--> statement-breakpoint
CREATE INDEX `answers_account_created_idx` ON `answers` (`account_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `answers_expires_idx` ON `answers` (`expires_at`);--> statement-breakpoint
ALTER TABLE `dismissals` ADD `dismissed_by` text;