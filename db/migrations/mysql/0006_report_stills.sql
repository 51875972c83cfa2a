ALTER TABLE `reports` ADD `still_key` varchar(32);--> statement-breakpoint
ALTER TABLE `reports` ADD `still_width` int;--> statement-breakpoint
ALTER TABLE `reports` ADD `still_height` int;