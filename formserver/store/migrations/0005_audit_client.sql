-- The client address of each entry written during a request (behind a proxy, the real
-- client's, see PROXY_COUNT); NULL for commands and for entries made before this migration.
ALTER TABLE audit_log ADD COLUMN client TEXT;
