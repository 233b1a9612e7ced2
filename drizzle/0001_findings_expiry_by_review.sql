DROP INDEX `findings_expires_idx`;--> statement-breakpoint
ALTER TABLE `findings` DROP COLUMN `expires_at`;