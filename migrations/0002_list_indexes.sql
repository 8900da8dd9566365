DROP INDEX "service_accounts_org_id_index";--> statement-breakpoint
DROP INDEX "topics_org_id_index";--> statement-breakpoint
CREATE INDEX "service_accounts_org_id_cluster_id_name_index" ON "service_accounts" USING btree ("org_id","cluster_id","name");--> statement-breakpoint
CREATE INDEX "topics_org_id_cluster_id_name_index" ON "topics" USING btree ("org_id","cluster_id","name");