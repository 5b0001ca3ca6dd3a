"""A person's full export (GDPR access): everything stored about them, MAC-verified."""

from __future__ import annotations

import sqlite3
from dataclasses import asdict
from datetime import datetime
from typing import Any

from formserver.recordkeeping import Refused
from formserver.recordkeeping.audit_texts import describe_action, describe_outcome
from formserver.recordkeeping.verification import verification_code
from formserver.security.keys import Keys, signers_for
from formserver.store import audit, db, plans
from formserver.store import maintenance as store
from formserver.store.people import person_by_email
from formserver.store.preparations import get_preparation
from formserver.store.reminders import KIND_LABELS


def person_export(
    conn: sqlite3.Connection, keys: Keys, email: str, now: datetime
) -> dict[str, Any]:
    """Everything stored about a person, every record MAC-verified (RecordTampered otherwise).

    For talks where the person is the employee both preparations are included, since the
    manager's is about them; where they are the manager, only what they wrote themselves.
    """
    person = person_by_email(conn, email)
    if person is None:
        raise Refused(f"Ingen med e-postadressen {email} finns i personallistan.")
    preparation_signer = signers_for(keys).preparation
    followup_signer = signers_for(keys).followup
    talks: list[dict[str, Any]] = []
    for talk in store.talks_of_person(conn, person.id):
        role = "employee" if talk["employee_id"] == person.id else "manager"
        authors = ("employee", "manager") if role == "employee" else ("manager",)
        preparations = [
            {
                "author_role": found.author_role,
                "answers": found.answers,
                "submitted_at": found.submitted_at,
                "updated_at": found.updated_at,
                "version": found.version,
            }
            for author in authors
            if (found := get_preparation(conn, talk["id"], author, preparation_signer))
        ]
        versions = [
            {
                "id": v.id,
                "number": v.number,
                "content": v.content,
                "content_hash": v.content_hash,
                "created_at": v.created_at,
                "updated_at": v.updated_at,
                "edits": v.edits,
                "verification_code": verification_code(keys, v.id, v.content_hash),
                "signatures": [asdict(s) for s in v.signatures.values()],
            }
            for v in plans.versions(conn, talk["id"], signers_for(keys).plan)
        ]
        followups = [asdict(f) for f in plans.followups(conn, talk["id"], followup_signer).values()]
        talks.append(
            {
                "role": role,
                "talk": talk,
                "preparations": preparations,
                "plan_versions": versions,
                "followups": followups,
            }
        )
    talk_ids = [t["talk"]["id"] for t in talks]
    object_ids = [person.id, *talk_ids, *store.record_ids(conn, talk_ids)]
    entries = [
        # The codes as stored, and what they mean (lazy: in the language the export is written in).
        {
            **e,
            "description": describe_action(e["action"]),
            "outcome_description": describe_outcome(e["outcome"]),
        }
        for e in audit.entries_about(conn, person.id, object_ids)
    ]
    return {
        "format": "formserver-registerutdrag/1",
        "exported_at": db.iso(now),
        "person": store.person_record(conn, person.id),
        "talks": talks,
        "audit_log": entries,
        # Who the actors in the log are: a person has the right to know who read their data.
        "names": store.names_of(conn, [e["actor_id"] for e in entries if e["actor_id"]]),
        # Added to a round by hand (as the employee), or adding someone (as the one who added).
        "round_additions": [
            {**a, "role": "employee" if a["employee_id"] == person.id else "added_by"}
            for a in store.round_additions_of(conn, person.id)
        ],
        # Kind and when only: the sign-in links in the e-mails are never stored.
        "reminders": [
            {**r, "description": KIND_LABELS.get(r["kind"], r["kind"])}
            for r in store.reminders_to(conn, person.id)
        ],
        "sign_in_links": store.sign_in_links_of(conn, person.id),
        "sessions": store.sessions_of(conn, person.id),
    }
