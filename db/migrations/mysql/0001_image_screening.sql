ALTER TABLE `media` ADD `flagged` boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `media` ADD `screen_score` double;--> statement-breakpoint
ALTER TABLE `reports` ADD `flagged_images` int DEFAULT 0 NOT NULL;