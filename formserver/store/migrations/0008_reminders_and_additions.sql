-- Reminders sent by `formserver send-reminders`, one row per reminder and recipient. A row is
-- first a claim (claimed_at, sent_at NULL) taken before the e-mail goes out, and becomes a
-- record of the sending (sent_at) in the transaction that audits it, after the mail server has
-- accepted the message. A failed send removes the claim; a claim left by a crash between sending
-- and recording is taken over by a later run once it is stale (at least once, never lost).
-- `subject` says what the reminder is about: a talk, a plan row with its date, a round.
CREATE TABLE reminders (
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    recipient_id TEXT NOT NULL REFERENCES people (id),
    claimed_at TEXT NOT NULL,
    sent_at TEXT,
    PRIMARY KEY (kind, subject, recipient_id)
);

-- People added to a round by hand although the eligibility rule leaves them out ("när det är
-- relevant kan samtalet hållas med medarbetare med kortare anställning"), with the reason.
CREATE TABLE round_additions (
    round_id TEXT NOT NULL REFERENCES rounds (id),
    employee_id TEXT NOT NULL REFERENCES people (id),
    talk_id TEXT NOT NULL REFERENCES talks (id),
    reason TEXT NOT NULL,
    added_by TEXT NOT NULL REFERENCES people (id),
    added_at TEXT NOT NULL,
    PRIMARY KEY (round_id, employee_id)
);
