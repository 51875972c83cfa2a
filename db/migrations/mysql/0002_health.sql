CREATE TABLE `health` (
	`id` int NOT NULL,
	`checked_at` bigint NOT NULL,
	CONSTRAINT `health_id` PRIMARY KEY(`id`)
);
