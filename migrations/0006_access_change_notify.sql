-- Who may do what is cached by every api replica; any change to it tells them all to forget.
-- Statement-level, so a bulk change sends one notification; PostgreSQL delivers it on commit.
CREATE FUNCTION fjord_notify_access_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('fjord_access', TG_TABLE_NAME);
  RETURN NULL;
END $$;
--> statement-breakpoint
-- A new session changes nothing cached; an ended or renewed one does.
CREATE TRIGGER sessions_notify_access AFTER UPDATE OR DELETE ON sessions
  FOR EACH STATEMENT EXECUTE FUNCTION fjord_notify_access_change();
--> statement-breakpoint
CREATE TRIGGER users_notify_access AFTER UPDATE OR DELETE ON users
  FOR EACH STATEMENT EXECUTE FUNCTION fjord_notify_access_change();
--> statement-breakpoint
-- Not on last_used_at, which is written while keys are in use.
CREATE TRIGGER api_keys_notify_access
  AFTER DELETE OR UPDATE OF org_id, name, role, prefix, secret_hash ON api_keys
  FOR EACH STATEMENT EXECUTE FUNCTION fjord_notify_access_change();
--> statement-breakpoint
CREATE TRIGGER memberships_notify_access AFTER INSERT OR UPDATE OR DELETE ON memberships
  FOR EACH STATEMENT EXECUTE FUNCTION fjord_notify_access_change();
--> statement-breakpoint
CREATE TRIGGER organizations_notify_access AFTER UPDATE OR DELETE ON organizations
  FOR EACH STATEMENT EXECUTE FUNCTION fjord_notify_access_change();
