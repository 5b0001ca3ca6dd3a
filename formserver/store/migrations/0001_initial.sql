-- People, rounds, talks, preparations, sign-in links, sessions and the audit log.
-- Ids are random (secrets.token_urlsafe), never sequential, so no id can be guessed from another.

CREATE TABLE people (
    id TEXT PRIMARY KEY,
    employee_number TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    email TEXT NOT NULL UNIQUE,
    unit TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    manager_number TEXT,
    employment_type TEXT NOT NULL CHECK (employment_type IN ('tillsvidare', 'visstid', 'annan')),
    start_date TEXT NOT NULL,
    end_date TEXT,
    is_hr INTEGER NOT NULL DEFAULT 0,
    in_roster INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
);
CREATE INDEX people_manager ON people (manager_number);

CREATE TABLE rounds (
    id TEXT PRIMARY KEY,
    year INTEGER NOT NULL,
    question_set_id TEXT NOT NULL,
    question_set_version INTEGER NOT NULL,
    plan_template_id TEXT NOT NULL,
    plan_template_version INTEGER NOT NULL,
    opened_at TEXT NOT NULL,
    opened_by TEXT REFERENCES people (id),
    UNIQUE (year, question_set_id)
);

-- One talk per eligible employee and round; the manager is fixed when the round opens.
CREATE TABLE talks (
    id TEXT PRIMARY KEY,
    round_id TEXT NOT NULL REFERENCES rounds (id),
    employee_id TEXT NOT NULL REFERENCES people (id),
    manager_id TEXT NOT NULL REFERENCES people (id),
    unit TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'ej_kallad'
        CHECK (status IN ('ej_kallad', 'kallad', 'forberedd', 'genomford')),
    starts_at TEXT,
    duration_minutes INTEGER,
    place TEXT,
    called_at TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (round_id, employee_id)
);
CREATE INDEX talks_manager ON talks (manager_id, round_id);
CREATE INDEX talks_employee ON talks (employee_id);

-- A preparation by the employee or the manager; answers keyed by question id, MAC-checked.
CREATE TABLE preparations (
    id TEXT PRIMARY KEY,
    talk_id TEXT NOT NULL REFERENCES talks (id),
    author_role TEXT NOT NULL CHECK (author_role IN ('employee', 'manager')),
    answers TEXT NOT NULL,
    submitted_at TEXT,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    mac TEXT NOT NULL,
    UNIQUE (talk_id, author_role)
);

-- Only a hash of each link's nonce is stored: the database alone cannot sign anyone in.
CREATE TABLE sign_in_links (
    nonce_hash TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES people (id),
    target TEXT NOT NULL DEFAULT '/',
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT,
    revoked_at TEXT
);
CREATE INDEX sign_in_links_person ON sign_in_links (person_id);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES people (id),
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    ended_at TEXT
);

CREATE TABLE rate_limits (
    key TEXT PRIMARY KEY,
    window_start TEXT NOT NULL,
    count INTEGER NOT NULL
);

-- Append-only: the application can add entries, never change or remove them.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor_id TEXT,
    action TEXT NOT NULL,
    object_type TEXT NOT NULL DEFAULT '',
    object_id TEXT NOT NULL DEFAULT '',
    outcome TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_object ON audit_log (object_type, object_id);
CREATE INDEX audit_actor ON audit_log (actor_id);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
