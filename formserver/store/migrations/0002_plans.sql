-- The record of the talk: versions of notes and plan, signatures, and follow-up per plan row.

ALTER TABLE talks ADD COLUMN held_at TEXT;

-- Every version is kept. A version with a signature is sealed (trigger below); a change after
-- that makes the next version, which nobody has signed yet.
CREATE TABLE plan_versions (
    id TEXT PRIMARY KEY,
    talk_id TEXT NOT NULL REFERENCES talks (id),
    number INTEGER NOT NULL,
    content TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    mac TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL REFERENCES people (id),
    edits INTEGER NOT NULL DEFAULT 1,
    UNIQUE (talk_id, number)
);

CREATE TABLE signatures (
    id TEXT PRIMARY KEY,
    plan_version_id TEXT NOT NULL REFERENCES plan_versions (id),
    role TEXT NOT NULL CHECK (role IN ('employee', 'manager')),
    person_id TEXT NOT NULL REFERENCES people (id),
    signed_at TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    mac TEXT NOT NULL,
    UNIQUE (plan_version_id, role)
);

CREATE TRIGGER plan_versions_sealed BEFORE UPDATE ON plan_versions
WHEN EXISTS (SELECT 1 FROM signatures WHERE plan_version_id = OLD.id)
BEGIN SELECT RAISE(ABORT, 'plan version is signed and sealed'); END;

CREATE TRIGGER signatures_final BEFORE UPDATE ON signatures
BEGIN SELECT RAISE(ABORT, 'signatures cannot change'); END;

-- "Hur blev resultatet?": each plan row's result and status, during the year and next year.
CREATE TABLE followups (
    id TEXT PRIMARY KEY,
    talk_id TEXT NOT NULL REFERENCES talks (id),
    row_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('ej_paborjad', 'pagar', 'klar', 'utgar')),
    result TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL REFERENCES people (id),
    version INTEGER NOT NULL DEFAULT 1,
    mac TEXT NOT NULL,
    UNIQUE (talk_id, row_id)
);
