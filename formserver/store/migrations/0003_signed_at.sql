-- When both signed the newest plan version: kept on the talk so coverage over tens of
-- thousands of talks is one indexed scan. Cleared when a change makes a new version.
ALTER TABLE talks ADD COLUMN signed_at TEXT;
CREATE INDEX talks_round_status ON talks (round_id, status);
