ALTER TABLE "topics" ADD COLUMN "document" text;--> statement-breakpoint
-- What the api's presentTopic answers for a topic but its cluster, which the list route puts
-- first (a test holds the two equal): a page of topics is read, not built on every request.
-- Without a query inside it, PostgreSQL evaluates this as one simple expression per row.
CREATE FUNCTION fjord_topic_document() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.document := json_build_object(
    'id', NEW.id,
    'generation', NEW.generation,
    'createdAt', to_char(NEW.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'updatedAt', to_char(NEW.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'name', NEW.name,
    'kafkaName', NEW.kafka_name,
    'partitions', NEW.partitions,
    'replicationFactor', NEW.replication_factor,
    'config', NEW.config,
    'status', json_build_object(
      'phase', NEW.phase,
      'conditions', NEW.conditions,
      'observedGeneration', NEW.observed_generation
    )
  )::text;
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER topics_document BEFORE INSERT OR UPDATE ON topics
  FOR EACH ROW EXECUTE FUNCTION fjord_topic_document();
--> statement-breakpoint
-- The topics already there: any update renders the document.
UPDATE topics SET document = NULL;
