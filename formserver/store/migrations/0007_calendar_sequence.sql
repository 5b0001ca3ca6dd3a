-- The calendar entry's SEQUENCE (RFC 5545): 0 for the first invitation, one more for every
-- move or cancellation, so that the employee's calendar replaces the entry it already has
-- (same UID) instead of keeping the old one. Kept apart from `version`, which also counts
-- preparations and marking the talk held.
ALTER TABLE talks ADD COLUMN calendar_sequence INTEGER NOT NULL DEFAULT 0;
-- When the manager last cancelled the talk (NULL: not cancelled since it was last called).
ALTER TABLE talks ADD COLUMN cancelled_at TEXT;
