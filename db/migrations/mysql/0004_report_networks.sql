ALTER TABLE `reports` ADD `reporter_net_hash` varchar(64);--> statement-breakpoint
ALTER TABLE `reports` ADD `dismissed_at` bigint;