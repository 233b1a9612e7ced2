CREATE TABLE `retired_session_keys` (
	`kid` text PRIMARY KEY NOT NULL,
	`retired_at` integer NOT NULL
);
