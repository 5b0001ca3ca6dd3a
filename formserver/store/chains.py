"""Each talk's hash chain: plan versions and signatures, linked in the order they were made.

A talk's records form one chain: version 1, its signatures in the order they were given,
version 2, its signatures, and so on. Every record stores `prev_hash`, the link (hash) of the
record before it ("" for the first), under its own MAC. A record's link is SHA-256 over its
canonical fields, the content hash of a version included, and `prev_hash`: it needs no key, so
`formserver rekey` re-makes MACs and never a link. The talk keeps the newest link
(`chain_head`) and the number of records (`chain_length`) under a MAC bound to the talk's id,
so a head copied from another talk, a deleted record, a reordered version or a record added
from elsewhere breaks the walk from the head back to the first record.

The newest version, while nobody has signed it, is edited in place (`edits`): its `prev_hash`
never changes, but its link does with its content, so every edit moves the talk's head. Only
sealed records (a version with a signature, and every signature) have fixed links.

A purged talk (retention) keeps a MAC'd tombstone as its head and no records, so a legitimate,
audited purge verifies clean. Rows from before chains existed (`prev_hash` NULL on a talk
without `chain_mac`) are chained once, after their old MACs verify, by `chain_existing`
(run at start-up and by `formserver rekey`).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from formserver.security.records import ChainBroken, RecordSigner, RecordTampered, canonical
from formserver.store import audit
from formserver.store.db import transaction

GENESIS = ""  # the prev_hash of a talk's first record
_SIGNATURE_FIELDS = ("role", "person_id", "signed_at", "content_hash", "comment")
PURGED = "gallrad:"  # a purged talk's head: this prefix and the head it had before


def version_link(talk_id: str, number: int, content_hash: str, prev_hash: str) -> str:
    """The link of a plan version: its place, its content's hash and the link before it."""
    fields = {"record": "version", "talk_id": talk_id, "number": number}
    return _sha256({**fields, "content_hash": content_hash, "prev_hash": prev_hash})


def signature_link(version_id: str, row: sqlite3.Row | dict[str, Any], prev_hash: str) -> str:
    """The link of a signature: every stored field and the link before it."""
    fields = {k: row[k] for k in ("role", "person_id", "signed_at", "content_hash", "comment")}
    return _sha256(
        {"record": "signature", "version_id": version_id, **fields, "prev_hash": prev_hash}
    )


def _sha256(fields: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(fields)).hexdigest()


def head_mac_content(talk_id: str, head: str, length: int) -> dict[str, Any]:
    """What the talk's chain MAC covers (the "record" key keeps it apart from a version's MAC)."""
    return {"record": "chain_head", "talk_id": talk_id, "head": head, "length": length}


@dataclass(frozen=True)
class Chain:
    """A talk's verified chain: the version rows by number, their signature rows by version id
    in signing order, and the head to extend."""

    talk_id: str
    head: str
    length: int
    versions: list[sqlite3.Row]
    signatures: dict[str, list[sqlite3.Row]]

    @property
    def newest(self) -> sqlite3.Row | None:
        """The newest version row, if any."""
        return self.versions[-1] if self.versions else None


def rows_of(
    conn: sqlite3.Connection, talk_id: str, *, content: bool = True
) -> tuple[sqlite3.Row | None, list[sqlite3.Row], list[sqlite3.Row]]:
    """The talk's chain columns, its version rows (by number) and its signature rows: 2 queries."""
    columns = (
        "v.*"
        if content
        else (
            "v.id, v.talk_id, v.number, v.content_hash, v.mac, v.prev_hash, v.created_at, "
            "v.updated_at, v.edits, NULL AS content"
        )
    )
    rows = conn.execute(
        "SELECT t.chain_head AS t_head, t.chain_length AS t_length, t.chain_mac AS t_mac, "
        f"{columns} FROM talks t LEFT JOIN plan_versions v ON v.talk_id = t.id WHERE t.id = ? "
        "ORDER BY v.number",
        (talk_id,),
    ).fetchall()
    if not rows:
        return None, [], []
    signatures = conn.execute(
        "SELECT s.* FROM signatures s JOIN plan_versions v ON v.id = s.plan_version_id "
        "WHERE v.talk_id = ?",
        (talk_id,),
    ).fetchall()
    return rows[0], [r for r in rows if r["id"] is not None], signatures


def newest_signed_by_both(
    conn: sqlite3.Connection, talk_ids: Sequence[str], signer: RecordSigner
) -> dict[str, str | RecordTampered]:
    """For many talks at once (2 queries, no content): each talk's chain walked from its head,
    and the id of its newest version both signed, or what stopped the walk (ChainBroken, or
    RecordTampered naming an edited signature).
    Talks without a version both signed are left out. For exports over a whole team, where a
    rolled-back or cut chain must not hand out an older agreement as the newest."""
    wanted = json.dumps(list(talk_ids))
    heads = conn.execute(
        "SELECT t.id AS talk_id, t.chain_head AS t_head, t.chain_length AS t_length, "
        "t.chain_mac AS t_mac FROM talks t WHERE t.id IN (SELECT value FROM json_each(?))",
        (wanted,),
    ).fetchall()
    versions: dict[str, list[sqlite3.Row]] = {}
    for row in conn.execute(
        "SELECT v.id, v.talk_id, v.number, v.content_hash, v.mac, v.prev_hash, NULL AS content "
        "FROM plan_versions v WHERE v.talk_id IN (SELECT value FROM json_each(?)) "
        "ORDER BY v.talk_id, v.number",
        (wanted,),
    ):
        versions.setdefault(row["talk_id"], []).append(row)
    signatures: dict[str, list[sqlite3.Row]] = {}
    for row in conn.execute(
        "SELECT s.*, v.talk_id AS talk_id FROM signatures s "
        "JOIN plan_versions v ON v.id = s.plan_version_id "
        "WHERE v.talk_id IN (SELECT value FROM json_each(?))",
        (wanted,),
    ):
        signatures.setdefault(row["talk_id"], []).append(row)
    found: dict[str, str | RecordTampered] = {}
    for talk in heads:
        talk_id = talk["talk_id"]
        try:
            chain = verify(
                talk_id, talk, versions.get(talk_id, []), signatures.get(talk_id, []), signer
            )
        except RecordTampered as broken:
            found[talk_id] = broken
            continue
        both = [v["id"] for v in chain.versions if len(chain.signatures[v["id"]]) == 2]
        if both:
            found[talk_id] = both[-1]
    return found


def load(
    conn: sqlite3.Connection, talk_id: str, signer: RecordSigner, *, content: bool = True
) -> Chain:
    """The talk's chain, walked from its MAC'd head back to the first record; ChainBroken if a
    record is missing, moved, added or the head is not this talk's."""
    talk, versions, signatures = rows_of(conn, talk_id, content=content)
    if talk is None:
        return Chain(talk_id, GENESIS, 0, [], {})
    return verify(talk_id, talk, versions, signatures, signer)


def verify(
    talk_id: str,
    talk: sqlite3.Row,
    versions: list[sqlite3.Row],
    signatures: list[sqlite3.Row],
    signer: RecordSigner,
) -> Chain:
    """Check the rows of `rows_of` against the talk's head (see `load`)."""
    head, length, mac = talk["t_head"], talk["t_length"], talk["t_mac"]
    if mac is None:
        if versions or signatures:
            raise ChainBroken("plan", talk_id, "planens poster saknar kedja (kedjans huvud saknas)")
        return Chain(talk_id, GENESIS, 0, [], {})
    try:
        signer.verify(head_mac_content(talk_id, head, length), mac, talk_id)
    except RecordTampered:
        raise ChainBroken(
            "plan",
            talk_id,
            "kedjans huvud stämmer inte med sin MAC: kopierat från ett annat samtal, ändrat, "
            "eller sparat med en nyckel som inte längre finns",
        ) from None
    if head.startswith(PURGED):
        if versions or signatures:
            raise ChainBroken("plan", talk_id, "samtalet är gallrat men har planposter")
        return Chain(talk_id, head, length, [], {})
    by_link: dict[str, tuple[str, sqlite3.Row]] = {}
    for v in versions:
        link = version_link(talk_id, v["number"], v["content_hash"], _stored(v["prev_hash"]))
        by_link[link] = ("version", v)
    for s in signatures:
        link = signature_link(s["plan_version_id"], s, _stored(s["prev_hash"]))
        by_link[link] = ("signature", s)
    try:
        walked = list(_walk(talk_id, head, by_link))
        if len(walked) != length or by_link:
            raise ChainBroken(
                "plan", talk_id, "kedjan har poster som inte hör dit (tillagda eller flyttade)"
            )
    except ChainBroken:
        _edited_record(talk_id, versions, signatures, signer)
        raise
    ordered: list[sqlite3.Row] = []
    signed: dict[str, list[sqlite3.Row]] = {}
    for kind, row in reversed(walked):
        if kind == "version":
            if row["number"] != len(ordered) + 1:
                raise ChainBroken("plan", talk_id, "planversionerna är omnumrerade")
            ordered.append(row)
            signed[row["id"]] = []
        elif not ordered or row["plan_version_id"] != ordered[-1]["id"]:
            raise ChainBroken("plan", talk_id, "en underskrift har flyttats till en annan version")
        else:
            signed[row["plan_version_id"]].append(row)
    return Chain(talk_id, head, length, ordered, signed)


def _edited_record(
    talk_id: str, versions: list[sqlite3.Row], signatures: list[sqlite3.Row], signer: RecordSigner
) -> None:
    """On a broken chain, name the record that was edited, if one was (RecordTampered): a
    changed record changes its link too. Only on failure, so reads pay nothing for it."""
    for v in versions:
        if v["content"] is None:
            continue  # loaded without content (a writer's check): the chain's answer stands
        content = json.loads(v["content"])
        try:
            mac_content = version_mac_content(talk_id, v["number"], content, v["prev_hash"])
            signer.verify(mac_content, v["mac"], v["id"])
        except RecordTampered:
            if _renumbered(talk_id, v, content, len(versions), signer):
                raise ChainBroken(
                    "plan", talk_id, "planversionerna har bytt plats (omnumrerade)"
                ) from None
            raise
        if hashlib.sha256(canonical(content)).hexdigest() != v["content_hash"]:
            raise RecordTampered(signer.kind, v["id"])
    for s in signatures:
        signer.verify(signature_mac_content(s, s["prev_hash"]), s["mac"], s["id"])


def _renumbered(
    talk_id: str, v: sqlite3.Row, content: dict[str, Any], count: int, signer: RecordSigner
) -> bool:
    """Whether the version's MAC holds under another version's number: moved, not edited."""
    for number in range(1, count + 1):
        try:
            mac_content = version_mac_content(talk_id, number, content, v["prev_hash"])
            signer.verify(mac_content, v["mac"], v["id"])
            return True
        except RecordTampered:
            continue
    return False


def _stored(prev_hash: str | None) -> str:
    # A row without a link in a chained talk gets one that matches nothing: the walk fails.
    return "?" if prev_hash is None else prev_hash


def _walk(
    talk_id: str, head: str, by_link: dict[str, tuple[str, sqlite3.Row]]
) -> Iterator[tuple[str, sqlite3.Row]]:
    """From the head back to the first record, removing each record found from `by_link`."""
    link = head
    while link != GENESIS:
        found = by_link.pop(link, None)
        if found is None:
            raise ChainBroken(
                "plan",
                talk_id,
                "en planversion eller underskrift saknas (borttagen eller ändrad)",
            )
        yield found
        link = found[1]["prev_hash"]


def set_head(
    conn: sqlite3.Connection, talk_id: str, head: str, length: int, signer: RecordSigner
) -> None:
    """Move the talk's head (in the caller's transaction)."""
    conn.execute(
        "UPDATE talks SET chain_head = ?, chain_length = ?, chain_mac = ? WHERE id = ?",
        (head, length, signer.mac(head_mac_content(talk_id, head, length)), talk_id),
    )


def tombstone(conn: sqlite3.Connection, talk_id: str, signer: RecordSigner) -> None:
    """Mark the talk purged (in the purge's transaction): a MAC'd head with no records."""
    row = conn.execute("SELECT chain_head FROM talks WHERE id = ?", (talk_id,)).fetchone()
    set_head(conn, talk_id, PURGED + (row["chain_head"] or ""), 0, signer)


# --- rows from before chains ----------------------------------------------------------------------


def version_mac_content(
    talk_id: str, number: int, content: dict[str, Any], prev_hash: str | None
) -> dict[str, Any]:
    """What a version's MAC covers; rows from before chains (prev_hash NULL) had no link."""
    fields = {"talk_id": talk_id, "number": number, "content": content}
    return fields if prev_hash is None else {**fields, "prev_hash": prev_hash}


def signature_mac_content(
    row: sqlite3.Row | dict[str, Any], prev_hash: str | None
) -> dict[str, Any]:
    """What a signature's MAC covers; rows from before chains (prev_hash NULL) had no link."""
    fields = {k: row[k] for k in ("role", "person_id", "signed_at", "content_hash", "comment")}
    fields["version_id"] = row["plan_version_id"]
    return fields if prev_hash is None else {**fields, "prev_hash": prev_hash}


def chain_existing(conn: sqlite3.Connection, signer: RecordSigner) -> tuple[int, list[str]]:
    """Chain the records of talks that have none yet (in the caller's transaction).

    Each record's old MAC is verified first; a talk with a record that fails is left unchained
    (and so refused when read, and reported by `formserver verify`). Returns the number of talks
    chained and the ids of those left.
    """
    talk_ids = [
        r[0]
        for r in conn.execute(
            "SELECT DISTINCT v.talk_id FROM plan_versions v JOIN talks t ON t.id = v.talk_id "
            "WHERE t.chain_mac IS NULL"
        )
    ]
    chained, left = 0, []
    for talk_id in talk_ids:
        try:
            _chain_talk(conn, talk_id, signer)
            chained += 1
        except RecordTampered:
            left.append(talk_id)
    return chained, left


def _chain_talk(conn: sqlite3.Connection, talk_id: str, signer: RecordSigner) -> None:
    _, versions, signatures = rows_of(conn, talk_id)
    by_version: dict[str, list[sqlite3.Row]] = {}
    for s in sorted(signatures, key=lambda s: (s["signed_at"], s["role"] != "employee")):
        by_version.setdefault(s["plan_version_id"], []).append(s)
    updates: list[tuple[str, str, str, str]] = []  # (table, id, prev_hash, mac)
    link = GENESIS
    for v in versions:
        content = json.loads(v["content"])
        signer.verify(version_mac_content(talk_id, v["number"], content, None), v["mac"], v["id"])
        if v["prev_hash"] is not None:
            raise RecordTampered(signer.kind, v["id"])  # half-chained: not from before chains
        mac = signer.mac(version_mac_content(talk_id, v["number"], content, link))
        updates.append(("plan_versions", v["id"], link, mac))
        link = version_link(talk_id, v["number"], v["content_hash"], link)
        for s in by_version.pop(v["id"], []):
            signer.verify(signature_mac_content(s, None), s["mac"], s["id"])
            updates.append(
                ("signatures", s["id"], link, signer.mac(signature_mac_content(s, link)))
            )
            link = signature_link(v["id"], s, link)
    for table, record_id, prev_hash, mac in updates:
        conn.execute(
            f"UPDATE {table} SET prev_hash = ?, mac = ? WHERE id = ?", (prev_hash, mac, record_id)
        )
    set_head(conn, talk_id, link, len(updates), signer)


def chain_at_start(conn: sqlite3.Connection, signer: RecordSigner) -> tuple[int, list[str]]:
    """Chain the records of talks from before chains, audited; (chained, left) as
    `chain_existing`. Cheap when there are none: one query."""
    pending = conn.execute(
        "SELECT 1 FROM talks t WHERE t.chain_mac IS NULL "
        "AND EXISTS (SELECT 1 FROM plan_versions v WHERE v.talk_id = t.id) LIMIT 1"
    ).fetchone()
    if pending is None:
        return 0, []
    with transaction(conn):
        chained, left = chain_existing(conn, signer)
        detail = f"{chained} samtal fick kedjor" + (f", {len(left)} kunde inte" if left else "")
        outcome = "failed" if left else "ok"
        audit.append(conn, audit.Event(None, "records.chain", "", "", detail, outcome))
    return chained, left
