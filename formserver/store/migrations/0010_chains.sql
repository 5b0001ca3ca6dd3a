-- Hash chains, so that a deleted, reordered or swapped record is caught (see store/chains.py).
--
-- Each plan version and signature links to the record before it in its talk (prev_hash, under
-- the record's MAC); the talk keeps the newest link, the number of records and a MAC over both.
-- Rows from before this migration keep prev_hash NULL: SQL has no keys, so they are chained in
-- Python, after their MACs verify, when the service starts (store/chains.chain_existing) or by
-- `formserver rekey`.
ALTER TABLE plan_versions ADD COLUMN prev_hash TEXT;
ALTER TABLE signatures ADD COLUMN prev_hash TEXT;
ALTER TABLE talks ADD COLUMN chain_head TEXT;
ALTER TABLE talks ADD COLUMN chain_length INTEGER NOT NULL DEFAULT 0;
ALTER TABLE talks ADD COLUMN chain_mac TEXT;

-- A link is set once (NULL → value, when a row from before chains is chained) and never changes.
CREATE TRIGGER plan_versions_link_fixed BEFORE UPDATE OF prev_hash ON plan_versions
WHEN OLD.prev_hash IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'a plan version''s link cannot change'); END;
CREATE TRIGGER signatures_link_fixed BEFORE UPDATE OF prev_hash ON signatures
WHEN OLD.prev_hash IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'a signature''s link cannot change'); END;

-- The audit log: each entry's hash covers its fields and the hash of the entry before it, and a
-- MAC covers that hash. Entries from before this migration stay without (entry_hash NULL); the
-- chain starts at the first entry written after it. Only the MAC may be re-made (rekey).
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_log ADD COLUMN entry_hash TEXT;
ALTER TABLE audit_log ADD COLUMN entry_mac TEXT;

DROP TRIGGER audit_log_no_update;
CREATE TRIGGER audit_log_no_update
BEFORE UPDATE OF id, at, actor_id, action, object_type, object_id, outcome, detail, client,
    prev_hash, entry_hash
ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
