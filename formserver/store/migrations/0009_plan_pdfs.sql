-- The PDF of a plan version both have signed, rendered once and kept: every download, zip,
-- e-mailed copy and export hands out these bytes. sha256 is over the bytes; mac (record kind
-- "plan_pdf") covers the version, language, sha256 and time. 'sv' is the organisation's
-- archival copy; copies in other languages may be added beside it.
CREATE TABLE plan_pdfs (
    plan_version_id TEXT NOT NULL REFERENCES plan_versions (id),
    language TEXT NOT NULL DEFAULT 'sv',
    pdf BLOB NOT NULL,
    sha256 TEXT NOT NULL,
    mac TEXT NOT NULL,
    rendered_at TEXT NOT NULL,
    PRIMARY KEY (plan_version_id, language)
);

-- Only a version both have signed has a stored copy (the others are rendered when asked for).
CREATE TRIGGER plan_pdfs_signed BEFORE INSERT ON plan_pdfs
WHEN (SELECT count(DISTINCT role) FROM signatures WHERE plan_version_id = NEW.plan_version_id) < 2
BEGIN SELECT RAISE(ABORT, 'only a plan version signed by both has a stored PDF'); END;

-- A stored copy never changes; only its MAC may be re-made with a new key (formserver rekey).
CREATE TRIGGER plan_pdfs_final
BEFORE UPDATE OF plan_version_id, language, pdf, sha256, rendered_at ON plan_pdfs
BEGIN SELECT RAISE(ABORT, 'a stored plan PDF cannot change'); END;

-- It is deleted only with its signatures, as the retention purge removes them (signatures
-- first, then the copy, then the version).
CREATE TRIGGER plan_pdfs_kept BEFORE DELETE ON plan_pdfs
WHEN EXISTS (SELECT 1 FROM signatures WHERE plan_version_id = OLD.plan_version_id)
BEGIN SELECT RAISE(ABORT, 'a stored plan PDF is kept while its version is signed'); END;
