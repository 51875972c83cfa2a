ALTER TABLE `media` ADD `width` int;--> statement-breakpoint
ALTER TABLE `media` ADD `height` int;--> statement-breakpoint
ALTER TABLE `media` ADD `duration_ms` int;