-- The provisioner of every api replica waits for new outbox rows on this channel instead of
-- polling. Statement-level, so a bulk apply of a thousand changes sends one notification;
-- PostgreSQL delivers it on commit, when the rows can be claimed.
CREATE FUNCTION fjord_notify_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('fjord_outbox', '');
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
  FOR EACH STATEMENT EXECUTE FUNCTION fjord_notify_outbox();
