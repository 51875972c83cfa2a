CREATE TABLE `bans` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`ip_hash` varchar(64) NOT NULL,
	`reason` varchar(255) NOT NULL,
	`source` varchar(16) NOT NULL,
	`created_at` bigint NOT NULL,
	`expires_at` bigint NOT NULL,
	CONSTRAINT `bans_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE TABLE `media` (
	`id` varchar(32) NOT NULL,
	`kind` varchar(8) NOT NULL,
	`mime` varchar(100) NOT NULL,
	`size` int NOT NULL,
	`name` varchar(255) NOT NULL,
	`storage_key` varchar(64) NOT NULL,
	`chat_id` varchar(64) NOT NULL,
	`uploader` varchar(64) NOT NULL,
	`created_at` bigint NOT NULL,
	`expires_at` bigint NOT NULL,
	CONSTRAINT `media_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE TABLE `reports` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`chat_id` varchar(64) NOT NULL,
	`reporter_session` varchar(64) NOT NULL,
	`reported_session` varchar(64) NOT NULL,
	`reporter_ip_hash` varchar(64) NOT NULL,
	`reported_ip_hash` varchar(64) NOT NULL,
	`reason` varchar(16) NOT NULL,
	`note` text,
	`transcript` text,
	`created_at` bigint NOT NULL,
	CONSTRAINT `reports_id` PRIMARY KEY(`id`),
	CONSTRAINT `reports_reporter_chat_uq` UNIQUE(`reporter_session`,`chat_id`)
);
--> statement-breakpoint
CREATE INDEX `bans_ip_idx` ON `bans` (`ip_hash`,`expires_at`);--> statement-breakpoint
CREATE INDEX `media_expires_idx` ON `media` (`expires_at`);--> statement-breakpoint
CREATE INDEX `reports_reported_ip_idx` ON `reports` (`reported_ip_hash`,`created_at`);