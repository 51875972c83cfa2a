ALTER TABLE `reports` ADD `still_key` text;--> statement-breakpoint
ALTER TABLE `reports` ADD `still_width` integer;--> statement-breakpoint
ALTER TABLE `reports` ADD `still_height` integer;