-- A signed version and a signature stay sealed, but their MAC may be re-made with a new key
-- (formserver rekey), so that a retired key can be removed without invalidating records.
DROP TRIGGER plan_versions_sealed;
CREATE TRIGGER plan_versions_sealed
BEFORE UPDATE OF talk_id, number, content, content_hash, created_at, updated_at, updated_by, edits
ON plan_versions
WHEN EXISTS (SELECT 1 FROM signatures WHERE plan_version_id = OLD.id)
BEGIN SELECT RAISE(ABORT, 'plan version is signed and sealed'); END;

DROP TRIGGER signatures_final;
CREATE TRIGGER signatures_final
BEFORE UPDATE OF plan_version_id, role, person_id, signed_at, content_hash, comment ON signatures
BEGIN SELECT RAISE(ABORT, 'signatures cannot change'); END;
