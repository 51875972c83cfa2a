CREATE TABLE `bans` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`ip_hash` text NOT NULL,
	`reason` text NOT NULL,
	`source` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `bans_ip_idx` ON `bans` (`ip_hash`,`expires_at`);--> statement-breakpoint
CREATE TABLE `media` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`mime` text NOT NULL,
	`size` integer NOT NULL,
	`name` text NOT NULL,
	`storage_key` text NOT NULL,
	`chat_id` text NOT NULL,
	`uploader` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `media_expires_idx` ON `media` (`expires_at`);--> statement-breakpoint
CREATE TABLE `reports` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`chat_id` text NOT NULL,
	`reporter_session` text NOT NULL,
	`reported_session` text NOT NULL,
	`reporter_ip_hash` text NOT NULL,
	`reported_ip_hash` text NOT NULL,
	`reason` text NOT NULL,
	`note` text,
	`transcript` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `reports_reporter_chat_uq` ON `reports` (`reporter_session`,`chat_id`);--> statement-breakpoint
CREATE INDEX `reports_reported_ip_idx` ON `reports` (`reported_ip_hash`,`created_at`);