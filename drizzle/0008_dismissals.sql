CREATE TABLE `dismissals` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`repository_id` text NOT NULL,
	`pull_request` integer NOT NULL,
	`fingerprint` text NOT NULL,
	`category` text NOT NULL,
	`severity` text,
	`title` text NOT NULL,
	`path_pattern` text NOT NULL,
	`reason` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`accepted_at` integer,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`repository_id`) REFERENCES `repositories`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `dismissals_repository_created_idx` ON `dismissals` (`repository_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `dismissals_expires_idx` ON `dismissals` (`expires_at`);