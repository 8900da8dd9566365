ALTER TABLE "usage_samples" ADD COLUMN "sample_id" text;--> statement-breakpoint
ALTER TABLE "usage_samples" ADD COLUMN "end_offsets" bigint;--> statement-breakpoint
ALTER TABLE "usage_samples" ADD CONSTRAINT "usage_samples_sampleId_unique" UNIQUE("sample_id");--> statement-breakpoint
ALTER TABLE "usage_samples" ADD CONSTRAINT "usage_samples_clusterId_topicId_sampledAt_unique" UNIQUE NULLS NOT DISTINCT("cluster_id","topic_id","sampled_at");