-- Keeps org_usage equal to what the clusters and topics tables hold, whatever writes them.
CREATE FUNCTION fjord_open_org_usage() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO org_usage (org_id) VALUES (NEW.id);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER organizations_open_usage AFTER INSERT ON organizations
  FOR EACH ROW EXECUTE FUNCTION fjord_open_org_usage();
--> statement-breakpoint
CREATE FUNCTION fjord_count_clusters() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE org_usage SET clusters = clusters + 1 WHERE org_id = NEW.org_id;
  ELSE
    UPDATE org_usage SET clusters = clusters - 1 WHERE org_id = OLD.org_id;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER clusters_count_usage AFTER INSERT OR DELETE ON clusters
  FOR EACH ROW EXECUTE FUNCTION fjord_count_clusters();
--> statement-breakpoint
CREATE FUNCTION fjord_count_topics() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE org_usage SET topics = topics + 1, partitions = partitions + NEW.partitions
      WHERE org_id = NEW.org_id;
  ELSIF TG_OP = 'DELETE' THEN
    UPDATE org_usage SET topics = topics - 1, partitions = partitions - OLD.partitions
      WHERE org_id = OLD.org_id;
  ELSIF NEW.partitions <> OLD.partitions THEN
    UPDATE org_usage SET partitions = partitions + NEW.partitions - OLD.partitions
      WHERE org_id = NEW.org_id;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER topics_count_usage AFTER INSERT OR DELETE OR UPDATE OF partitions ON topics
  FOR EACH ROW EXECUTE FUNCTION fjord_count_topics();
--> statement-breakpoint
INSERT INTO org_usage (org_id, clusters, topics, partitions)
SELECT o.id,
  (SELECT count(*) FROM clusters c WHERE c.org_id = o.id),
  (SELECT count(*) FROM topics t WHERE t.org_id = o.id),
  (SELECT coalesce(sum(t.partitions), 0) FROM topics t WHERE t.org_id = o.id)
FROM organizations o
ON CONFLICT (org_id) DO NOTHING;
