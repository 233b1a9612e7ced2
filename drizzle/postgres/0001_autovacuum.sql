-- Hand-written (drizzle-kit does not model storage parameters). PostgreSQL keeps deleted and updated rows
-- as dead tuples until VACUUM; autovacuum's default waits for 20% of a table to be dead. Here:
-- the purge deletes a small slice of the retained tables every hour, so they are vacuumed at 1% dead
-- rather than after days of dead rows;
ALTER TABLE "reviews" SET (autovacuum_vacuum_scale_factor = 0.01);--> statement-breakpoint
ALTER TABLE "findings" SET (autovacuum_vacuum_scale_factor = 0.01);--> statement-breakpoint
ALTER TABLE "finding_texts" SET (autovacuum_vacuum_scale_factor = 0.01);--> statement-breakpoint
ALTER TABLE "dismissals" SET (autovacuum_vacuum_scale_factor = 0.01);--> statement-breakpoint
ALTER TABLE "audit_log" SET (autovacuum_vacuum_scale_factor = 0.01);--> statement-breakpoint
ALTER TABLE "sessions" SET (autovacuum_vacuum_scale_factor = 0.01);--> statement-breakpoint
ALTER TABLE "webhook_deliveries" SET (autovacuum_vacuum_scale_factor = 0.01);--> statement-breakpoint
ALTER TABLE "oauth_states" SET (autovacuum_vacuum_scale_factor = 0.01);--> statement-breakpoint
-- the shared state's small tables are rewritten row by row all day (a rate bucket's `at` is indexed, so its
-- updates are never in-place): vacuumed after a fixed number of dead rows, whatever their size;
ALTER TABLE "rate_buckets" SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000);--> statement-breakpoint
ALTER TABLE "leases" SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 50);--> statement-breakpoint
-- the counters updated by every review leave room in each page, so their updates stay in place (HOT).
ALTER TABLE "account_usage" SET (fillfactor = 70);--> statement-breakpoint
ALTER TABLE "daily_aggregates" SET (fillfactor = 70);
