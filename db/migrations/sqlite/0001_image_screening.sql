ALTER TABLE `media` ADD `flagged` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `media` ADD `screen_score` real;--> statement-breakpoint
ALTER TABLE `reports` ADD `flagged_images` integer DEFAULT 0 NOT NULL;