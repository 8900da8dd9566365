ALTER TABLE "organizations" ADD COLUMN "namespace" text;--> statement-breakpoint
-- An org with a cluster keeps the namespace its objects are in, which was named after the org;
-- every other org gets one made from its id, as a new org does.
UPDATE "organizations" SET "namespace" = CASE
  WHEN EXISTS (SELECT 1 FROM "clusters" WHERE "clusters"."org_id" = "organizations"."id") THEN "name"
  ELSE 'fjord-org-' || "id"
END;--> statement-breakpoint
ALTER TABLE "organizations" ALTER COLUMN "namespace" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "organizations" ADD CONSTRAINT "organizations_namespace_unique" UNIQUE("namespace");
