ALTER TABLE `daily_aggregates` ADD `fixed_correctness` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `daily_aggregates` ADD `fixed_security` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `daily_aggregates` ADD `fixed_performance` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `daily_aggregates` ADD `fixed_reliability` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `daily_aggregates` ADD `fixed_maintainability` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `daily_aggregates` ADD `fixed_testing` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `daily_aggregates` ADD `fixed_documentation` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `daily_aggregates` ADD `fixed_style` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `daily_aggregates` ADD `dismissed_correctness` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `daily_aggregates` ADD `dismissed_security` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `daily_aggregates` ADD `dismissed_performance` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `daily_aggregates` ADD `dismissed_reliability` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `daily_aggregates` ADD `dismissed_maintainability` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `daily_aggregates` ADD `dismissed_testing` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `daily_aggregates` ADD `dismissed_documentation` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `daily_aggregates` ADD `dismissed_style` integer DEFAULT 0 NOT NULL;