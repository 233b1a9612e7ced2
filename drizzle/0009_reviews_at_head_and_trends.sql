ALTER TABLE `daily_aggregates` ADD `fixed` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `daily_aggregates` ADD `dismissed` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `daily_aggregates` ADD `cost_micros` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `daily_aggregates` ADD `fixed_in_1d` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `daily_aggregates` ADD `fixed_in_3d` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `daily_aggregates` ADD `fixed_in_7d` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `daily_aggregates` ADD `fixed_in_14d` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `daily_aggregates` ADD `fixed_later` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `daily_aggregates` ADD `category_correctness` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `daily_aggregates` ADD `category_security` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `daily_aggregates` ADD `category_performance` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `daily_aggregates` ADD `category_reliability` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `daily_aggregates` ADD `category_maintainability` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `daily_aggregates` ADD `category_testing` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `daily_aggregates` ADD `category_documentation` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `daily_aggregates` ADD `category_style` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `findings` ADD `state` text DEFAULT 'new' NOT NULL;--> statement-breakpoint
ALTER TABLE `findings` ADD `first_seen` text;--> statement-breakpoint
ALTER TABLE `reviews` ADD `event` text;--> statement-breakpoint
ALTER TABLE `reviews` ADD `fixed` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `reviews` ADD `dismissed` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `reviews` ADD `details` text;