"""Export benchmarks: one plan PDF, --plans plans as a zip, a 10,000-row CSV, HR coverage over
--people people, each with its time and memory.

Targets (issue 4 and DESIGN.md): one plan PDF <= 150 ms (plan_document.pdf: the template and
WeasyPrint, median of 20); memory flat over 1,000 plans (RSS growth from plan 100 to the last
<= 10 MB); coverage over 50,000 people well under a second (<= 0.5 s, median of 5).
Run: `make bench`, or `.venv/bin/python bench/exports.py [--plans 1000] [--people 50000]`.
Writes bench/results/exports.json.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import tempfile
import time
import timeit
import tracemalloc
from collections.abc import Callable, Iterator
from datetime import date
from io import BytesIO
from pathlib import Path

import harness
from flask import Flask
from pypdf import PdfReader

from formserver import create_app
from formserver.documents import exports, plan_document
from formserver.security.keys import key_list, signers_for
from formserver.security.records import RecordSigner
from formserver.services import round_people
from formserver.store import db, plans
from formserver.store.people import person_by_number
from formserver.store.talks import Talk, employee_talks
from formserver.views.downloads import OVERVIEW_HEADER

NOTE = (
    "Vi pratade om arbetsbelastningen under hösten – den har varit hög, särskilt i "
    "november. “Det går, men det är tufft”, säger Anna. Förslag: fler gemensamma "
    "planeringsdagar… Kostnad för kurs: 4 500 € • Uppföljning i februari."
)
SECTIONS = ("arbetssituation", "maluppfyllelse", "skapa_varde", "samspela", "leda_sig_sjalv")
ROWS = (  # what, time, size, memory: formats of the measured figures
    ("HR coverage, {talks:,} talks", "{coverage_s:.3f} s", "{coverage_rows} rows", ""),
    ("One plan PDF (PDF/A-2b, {pdf_pages} pages)", "{pdf_ms:.0f} ms", "{pdf_kb:.0f} KB", ""),
    (
        "{plans} plans as a streamed zip",
        "{zip_s:.1f} s",
        "{zip_mb:.1f} MB",
        "RSS {rss_at_100:.0f} -> {rss_at_end:.0f} MB",
    ),
    ("10,000-row CSV", "{csv_ms:.0f} ms", "{csv_mb:.1f} MB", "peak {csv_peak_mb:.1f} MB"),
)


def signed_plan(conn: sqlite3.Connection, talk: Talk, signer: RecordSigner) -> plans.PlanVersion:
    """A two-page plan both have signed, written through the store as the service does."""
    row = {
        "verksamhetens_mal": "Fler elever når kunskapskraven – ”trygghet” först",
        "medarbetarens_mal": "Leda två ämnesträffar per termin",
        "vad_utveckla": "Samtalsledning och återkoppling",
        "hur_aktiviteter": "Kurs i samtalsmetodik, skuggning av kollega, läsning",
        "ansvarig": "Anna och Karin",
        "datum": "2027-03-01",
    }
    rows = [{"row_id": f"r{i:07x}", **row} for i in range(4)]
    content = {
        "question_set": [talk.question_set_id, talk.question_set_version],
        "plan_template": [talk.plan_template_id, 1],
        "notes": dict.fromkeys((*SECTIONS, "vilja_lyckas"), NOTE),
        "checks": {},
        "grids": {"mal": rows, "arets_utmaning": [dict(rows[0])]},
    }
    plans.save(conn, talk.id, content, expected=(0, 0), author_id=talk.manager_id, signer=signer)
    plans.mark_held(conn, talk.id)
    version = plans.latest(conn, talk.id, signer)
    assert version is not None
    for role, person in (("manager", talk.manager_id), ("employee", talk.employee_id)):
        seen, number = version.content_hash, version.number
        plans.sign(
            conn,
            talk.id,
            role=role,
            person_id=person,
            number=number,
            seen_hash=seen,
            comment="",
            signer=signer,
        )
    signed = plans.latest(conn, talk.id, signer)
    assert signed is not None and signed.signed_by_both
    return signed


def main() -> None:
    """Measure, print the table and the targets, write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--plans", type=int, default=1000, help="plans in the zip")
    parser.add_argument("--people", type=int, default=50_000, help="people for coverage")
    parser.add_argument("--json", type=Path, default=harness.RESULTS_DIR / "exports.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-exports-") as tmp:
        config = {"TESTING": True, "SECRET_KEY": "bench-key-" + "k" * 40}
        app = create_app(config | {"DATABASE": str(Path(tmp) / "exports.sqlite3")})
        with app.test_request_context():
            measured = measure(app, args.plans, args.people)
        db.close_thread_connections()
    print(f"Export benchmark ({os.cpu_count()} CPUs)\n")
    columns = ("what", "time", "size", "memory")
    rows = [dict(zip(columns, (f.format_map(measured) for f in row), strict=True)) for row in ROWS]
    harness.print_table("; ".join(f"{c}={{{c}}}" for c in columns), rows)
    targets = [
        harness.Target("one plan PDF", measured["pdf_ms"], 150, "ms"),
        harness.Target("RSS growth over the zip", measured["rss_growth_mb"], 10, "MB"),
        harness.Target("coverage over all talks", measured["coverage_s"], 0.5, "s"),
    ]
    results = {"settings": vars(args), "measured": measured}
    harness.write_json(args.json, "exports", results | {"targets": harness.print_targets(targets)})


def measure(app: Flask, count: int, people: int) -> dict[str, float]:
    """Every measurement, in a request context (for the PDF's template)."""
    opened = harness.populate(app, harness.generate_roster(people), "rutin", date(2026, 11, 1))
    conn = db.connection_for(app.config["DATABASE"])
    employee = person_by_number(conn, "E000001")
    assert employee is not None
    talk = employee_talks(conn, employee.id)[0]
    version = signed_plan(conn, talk, signers_for(key_list(app.config)).plan)
    m: dict[str, float] = {"plans": count, "talks": opened.talks}
    # Coverage over everyone: what HR's page and CSV run.
    m["coverage_rows"] = len(round_people.round_coverage(conn, opened.round_id))
    m["coverage_s"] = median(lambda: round_people.round_coverage(conn, opened.round_id), 5)
    pdf = plan_document.pdf(talk, version)  # import WeasyPrint, warm the fonts
    m["pdf_ms"] = median(lambda: plan_document.pdf(talk, version), 20) * 1000
    m["pdf_kb"], m["pdf_pages"] = len(pdf) / 1024, len(PdfReader(BytesIO(pdf)).pages)

    def files() -> Iterator[tuple[str, bytes]]:
        """A team's plans, RSS noted at plan 100 and at the last."""
        for index in range(count):
            if index in (100, count - 1):
                m["rss_at_100" if index == 100 else "rss_at_end"] = harness.proc_mb("self") or 0.0
            yield f"plan-{index:04d}.pdf", plan_document.pdf(talk, version)

    start = time.perf_counter()
    m["zip_mb"] = sum(len(chunk) for chunk in exports.stream_zip(files())) / 1e6
    m["zip_s"] = time.perf_counter() - start
    m["rss_growth_mb"] = m.get("rss_at_end", 0.0) - m.setdefault("rss_at_100", 0.0)
    cells = ("Barn och utbildning", "Genomförd", "2026-12-01 10.00", "Rum 3", 2, "Ja")
    csv_rows = [(f"Person {i} Åström", *cells) for i in range(10_000)]
    tracemalloc.start()
    start = time.perf_counter()
    m["csv_mb"] = len(exports.csv_bytes(OVERVIEW_HEADER, csv_rows)) / 1e6
    m["csv_ms"] = (time.perf_counter() - start) * 1000
    m["csv_peak_mb"] = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    return m


def median(work: Callable[[], object], repeat: int) -> float:
    """The median wall-clock seconds of `repeat` runs."""
    return statistics.median(timeit.repeat(work, number=1, repeat=repeat))


if __name__ == "__main__":
    main()
