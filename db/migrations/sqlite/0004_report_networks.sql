ALTER TABLE `reports` ADD `reporter_net_hash` text;--> statement-breakpoint
ALTER TABLE `reports` ADD `dismissed_at` integer;