"""Export benchmarks: one plan PDF, 1,000 plans as a zip, a 10,000-row CSV, HR coverage over
50,000 people — each with its time and peak memory.

Run with `make bench`, or `.venv/bin/python bench/exports.py [--plans 1000] [--people 50000]`.
Targets (issue 4 and DESIGN.md): one plan PDF <= 150 ms; memory flat over 1,000 plans
(RSS growth from plan 100 to plan 1,000 <= 10 MB); coverage over 50,000 people well under
a second (<= 0.5 s). Writes bench/results/exports.json.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import tracemalloc
from datetime import date
from io import BytesIO
from pathlib import Path
from typing import Any

from _common import (
    RESULTS_DIR,
    Target,
    generate_roster,
    machine,
    print_table,
    print_targets,
    roster_bytes,
    write_json,
)
from pypdf import PdfReader

from formserver import create_app
from formserver.documents import exports
from formserver.paths import STATIC_DIR
from formserver.security.records import RecordSigner
from formserver.services import rounds
from formserver.services.roster import parse_roster
from formserver.store import db
from formserver.store import plans as plan_store
from formserver.store import rounds as round_store
from formserver.store.people import import_roster
from formserver.store.talks import Talk, get_talk

NOTE = (
    "Vi pratade om arbetsbelastningen under hösten – den har varit hög, särskilt i "
    "november. “Det går, men det är tufft”, säger Anna. Förslag: fler gemensamma "
    "planeringsdagar… Kostnad för kurs: 4 500 € • Uppföljning i februari."
)


def rss_mb() -> float:
    """This process's resident memory in MB (from /proc)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def signed_plan(conn: Any, talk: Talk, keys: list[str | bytes]) -> plan_store.PlanVersion:
    """A two-page plan both have signed, written through the store as the service does."""
    signer = RecordSigner(keys, "plan")
    rows = [
        {
            "row_id": f"r{i:07x}",
            "verksamhetens_mal": f"Mål {i}: fler elever når kunskapskraven – ”trygghet” först",
            "medarbetarens_mal": "Leda två ämnesträffar per termin",
            "vad_utveckla": "Samtalsledning och återkoppling",
            "hur_aktiviteter": "Kurs i samtalsmetodik, skuggning av kollega, läsning",
            "ansvarig": "Anna och Karin",
            "datum": "2027-03-01",
        }
        for i in range(4)
    ]
    content = {
        "question_set": [talk.question_set_id, talk.question_set_version],
        "plan_template": [talk.plan_template_id, 1],
        "notes": {
            s: NOTE
            for s in (
                "arbetssituation",
                "maluppfyllelse",
                "skapa_varde",
                "samspela",
                "leda_sig_sjalv",
                "vilja_lyckas",
            )
        },
        "checks": {},
        "grids": {"mal": rows, "arets_utmaning": [dict(rows[0])]},
    }
    plan_store.save(
        conn, talk.id, content, expected=(0, 0), author_id=talk.manager_id, signer=signer
    )
    plan_store.mark_held(conn, talk.id)
    version = plan_store.latest(conn, talk.id, signer)
    assert version is not None
    for role, person in (("manager", talk.manager_id), ("employee", talk.employee_id)):
        plan_store.sign(
            conn,
            talk.id,
            role=role,
            person_id=person,
            number=version.number,
            seen_hash=version.content_hash,
            comment="",
            signer=signer,
        )
    found = plan_store.latest(conn, talk.id, signer)
    assert found is not None and found.signed_by_both
    return found


def main() -> None:
    """Measure and report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", type=int, default=1000, help="plans in the zip")
    parser.add_argument("--people", type=int, default=50_000, help="people for coverage")
    parser.add_argument("--json", type=Path, default=RESULTS_DIR / "exports.json")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-exports-"))
    key = "bench-key-" + "k" * 40
    app = create_app({"TESTING": True, "SECRET_KEY": key, "DATABASE": str(tmp / "x.sqlite3")})
    conn = db.connection_for(app.config["DATABASE"])
    result = parse_roster(roster_bytes(generate_roster(args.people)))
    assert result.ok, result.errors[:3]
    import_roster(conn, result.rows)
    opened = rounds.open_round(
        conn,
        app.extensions["site_config"],
        year=2026,
        question_set_id="rutin",
        plan_template_id="handlingsplan",
        opened_by=None,
        today=date(2026, 11, 1),
    )
    talk_id = conn.execute(
        "SELECT id FROM talks WHERE round_id = ? LIMIT 1", (opened.round_id,)
    ).fetchone()[0]
    talk = get_talk(conn, talk_id)
    assert talk is not None
    version = signed_plan(conn, talk, [key])

    rows: list[list[object]] = []
    measured: dict[str, Any] = {}

    # Coverage over everyone: what HR's page and CSV run.
    times = []
    for _ in range(5):
        start = time.perf_counter()
        coverage = round_store.coverage(conn, opened.round_id)
        times.append(time.perf_counter() - start)
    measured["coverage_s"] = statistics.median(times)
    rows.append(
        [
            f"HR coverage, {opened.talks:,} talks",
            f"{measured['coverage_s']:.3f} s",
            f"{len(coverage)} rows",
            "",
        ]
    )

    from formserver.documents.plan_document import document_html

    with app.test_request_context():
        html = document_html(talk, version)
    exports.pdf_bytes(html, static_dir=STATIC_DIR)  # import WeasyPrint, warm the fonts
    times = []
    for _ in range(20):
        start = time.perf_counter()
        pdf = exports.pdf_bytes(html, static_dir=STATIC_DIR)
        times.append(time.perf_counter() - start)
    measured["pdf_ms"] = statistics.median(times) * 1000
    rows.append(
        [
            f"One plan PDF (PDF/A-2b, {len(PdfReader(BytesIO(pdf)).pages)} pages)",
            f"{measured['pdf_ms']:.0f} ms",
            f"{len(pdf) / 1024:.0f} KB",
            "",
        ]
    )

    # A team's zip: every PDF rendered and streamed; RSS watched for growth.
    rss_at: dict[int, float] = {}
    total = 0
    start = time.perf_counter()

    def files() -> Any:
        for index in range(args.plans):
            if index in (100, args.plans - 1):
                rss_at[index] = rss_mb()
            yield f"plan-{index:04d}.pdf", exports.pdf_bytes(html, static_dir=STATIC_DIR)

    for chunk in exports.stream_zip(files()):
        total += len(chunk)
    measured["zip_s"] = time.perf_counter() - start
    measured["zip_mb"] = total / 1e6
    measured["rss_growth_mb"] = rss_at.get(args.plans - 1, 0.0) - rss_at.get(100, 0.0)
    rows.append(
        [
            f"{args.plans} plans as a streamed zip",
            f"{measured['zip_s']:.1f} s",
            f"{measured['zip_mb']:.1f} MB",
            f"RSS {rss_at.get(100, 0):.0f} -> {rss_at.get(args.plans - 1, 0):.0f} MB",
        ]
    )

    csv_rows = [
        (
            f"Person {i} Åström",
            "Barn och utbildning",
            "Genomförd",
            "2026-12-01 10.00",
            "Rum 3",
            2,
            "Ja",
        )
        for i in range(10_000)
    ]
    tracemalloc.start()
    start = time.perf_counter()
    body = exports.csv_bytes(
        ("Medarbetare", "Enhet", "Status", "Datum", "Plats", "Planversion", "Underskriven av båda"),
        csv_rows,
    )
    measured["csv_s"] = time.perf_counter() - start
    measured["csv_peak_mb"] = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    rows.append(
        [
            "10,000-row CSV",
            f"{measured['csv_s'] * 1000:.0f} ms",
            f"{len(body) / 1e6:.1f} MB",
            f"peak {measured['csv_peak_mb']:.1f} MB",
        ]
    )

    print(f"Export benchmark ({machine()['cpus']} CPUs, Python {machine()['python']})\n")
    print_table(("what", "time", "size", "memory"), rows)
    targets = [
        Target("one plan PDF", measured["pdf_ms"], 150, at_least=False, unit="ms"),
        Target("RSS growth over the zip", measured["rss_growth_mb"], 10, at_least=False, unit="MB"),
        Target("coverage over all talks", measured["coverage_s"], 0.5, at_least=False, unit="s"),
    ]
    print_targets(targets)
    write_json(
        args.json,
        {"measured": measured, "targets": [t.as_dict() for t in targets], "machine": machine()},
    )
    db.close_thread_connections()


if __name__ == "__main__":
    main()
