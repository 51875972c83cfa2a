CREATE TABLE `admin_accounts` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`name` varchar(64) NOT NULL,
	`role` varchar(16) NOT NULL,
	`password_hash` varchar(255) NOT NULL,
	`totp_secret` varchar(64),
	`totp_pending` varchar(64),
	`created_at` bigint NOT NULL,
	CONSTRAINT `admin_accounts_id` PRIMARY KEY(`id`),
	CONSTRAINT `admin_accounts_name_uq` UNIQUE(`name`)
);
--> statement-breakpoint
CREATE TABLE `admin_audit` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`at` bigint NOT NULL,
	`actor` varchar(64) NOT NULL,
	`action` varchar(32) NOT NULL,
	`target` varchar(128) NOT NULL,
	`detail` text,
	`address_hash` varchar(64) NOT NULL,
	CONSTRAINT `admin_audit_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE TABLE `admin_sessions` (
	`id` varchar(64) NOT NULL,
	`account_id` bigint unsigned NOT NULL,
	`created_at` bigint NOT NULL,
	`last_seen_at` bigint NOT NULL,
	CONSTRAINT `admin_sessions_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE TABLE `report_actions` (
	`report_id` bigint unsigned NOT NULL,
	`outcome` varchar(16) NOT NULL,
	`handled_by` varchar(64) NOT NULL,
	`handled_at` bigint NOT NULL,
	CONSTRAINT `report_actions_report_id` PRIMARY KEY(`report_id`)
);
--> statement-breakpoint
CREATE INDEX `admin_audit_at_idx` ON `admin_audit` (`at`);--> statement-breakpoint
CREATE INDEX `admin_audit_actor_idx` ON `admin_audit` (`actor`,`at`);--> statement-breakpoint
CREATE INDEX `admin_sessions_account_idx` ON `admin_sessions` (`account_id`);