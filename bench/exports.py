"""Export benchmarks: a cold plan PDF, --plans signed plans as a zip, a 10,000-row CSV, HR
coverage over --people people, each with its time and memory.

Targets (issues 4, 13): a cold render (first of a version, median of 20 versions) <= 150 ms; the
team's zip of 1,000 signed plans (stored copies, verified, streamed) < 10 s and <= 3x the
baseline, reading the same stored bytes back (same run); RSS growth from plan 100 to the last
<= 10 MB; coverage over 50,000 people <= 0.5 s. The old path (render each PDF) is timed over 30.
Set-up stores the 20 cold renders, and a copy of one under every other version (the zip reads
stored bytes only). Run: `make bench`, or `bench/exports.py [--plans 1000] [--people 50000]`.
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
from typing import Any

import harness
from flask import Flask
from pypdf import PdfReader

from formserver import create_app
from formserver.documents import exports, plan_document, plan_record
from formserver.security.keys import key_list, signers_for
from formserver.security.records import RecordSigner
from formserver.services import round_people
from formserver.store import db, plan_pdfs, plans
from formserver.store.talks import Talk, round_talks
from formserver.views.downloads import OVERVIEW_HEADER

NOTE = (
    "Vi pratade om arbetsbelastningen under hösten – den har varit hög, särskilt i "
    "november. “Det går, men det är tufft”, säger Anna. Förslag: fler gemensamma "
    "planeringsdagar… Kostnad för kurs: 4 500 € • Uppföljning i februari."
)
ROW = {
    "verksamhetens_mal": "Fler elever når kunskapskraven – ”trygghet” först",
    "medarbetarens_mal": "Leda två ämnesträffar per termin",
    "vad_utveckla": "Samtalsledning och återkoppling",
    "hur_aktiviteter": "Kurs i samtalsmetodik, skuggning av kollega, läsning",
    "ansvarig": "Anna och Karin",
    "datum": "2027-03-01",
}
SECTIONS = ("arbetssituation", "maluppfyllelse", "skapa_varde", "samspela", "leda_sig_sjalv")
ROWS = (  # what, time, size, memory: formats of the measured figures
    ("HR coverage, {talks:,} talks", "{coverage_s:.3f} s", "{coverage_rows} rows", ""),
    ("Cold plan PDF ({pdf_pages} pages)", "{pdf_ms:.0f} ms", "{pdf_kb:.0f} KB", "{pdf_cpu_ms:.0f}"),
    ("Baseline: read {plans} stored PDFs", "{read_s:.3f} s", "{zip_mb:.1f} MB", ""),
    ("Same, SHA-256 and MAC verified", "{verified_s:.3f} s", "", ""),
    ("{plans} stored plans as a zip", "{zip_s:.2f} s", "{zip_ratio:.1f}x", "{rss_growth_mb:.1f}"),
    ("Old: render each, {old_plans} plans", "{old_s:.1f} s", "{old_1000_s:.0f} s/1,000", ""),
    ("10,000-row CSV", "{csv_ms:.0f} ms", "{csv_mb:.1f} MB", "peak {csv_peak_mb:.1f} MB"),
)


TARGETS = (  # what, measured figure, limit and unit
    ("one cold render", "pdf_ms", (150, "ms")),
    ("zip of the stored plans", "zip_s", (10, "s")),
    ("zip / reading the stored bytes", "zip_ratio", (3, "x")),
    ("RSS growth over the zip", "rss_growth_mb", (10, "MB")),
    ("coverage over all talks", "coverage_s", (0.5, "s")),
)


def signed_plan(conn: sqlite3.Connection, talk: Talk, signer: RecordSigner) -> plans.PlanVersion:
    """A two-page plan both have signed, written through the store as the service does."""
    rows = [{"row_id": f"r{i:07x}", **ROW} for i in range(4)]
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
        sign = {"person_id": person, "number": version.number, "seen_hash": version.content_hash}
        plans.sign(conn, talk.id, role=role, comment="", signer=signer, **sign)  # type: ignore[arg-type]
    return plans.latest(conn, talk.id, signer)  # type: ignore[return-value]


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
    columns = ("what", "time", "size", "memory")  # CPU ms of the render; RSS growth, MB
    rows = [dict(zip(columns, (f.format_map(measured) for f in row), strict=True)) for row in ROWS]
    harness.print_table("; ".join(f"{c}={{{c}}}" for c in columns), rows)
    targets = [harness.Target(what, measured[key], *limit) for what, key, limit in TARGETS]
    results = {"settings": vars(args), "measured": measured}
    harness.write_json(args.json, "exports", results | {"targets": harness.print_targets(targets)})


def measure(app: Flask, count: int, people: int) -> dict[str, Any]:
    """Every measurement, in a request context (for the PDF's template)."""
    opened = harness.populate(app, harness.generate_roster(people), "rutin", date(2026, 11, 1))
    conn, kinds = db.connection_for(app.config["DATABASE"]), signers_for(key_list(app.config))
    talks = round_talks(conn, opened.round_id)[:count]
    signed = [(talk, signed_plan(conn, talk, kinds.plan)) for talk in talks]
    m: dict[str, Any] = {"plans": len(signed), "talks": opened.talks, "old_plans": 30}
    # Coverage over everyone: what HR's page and CSV run.
    m["coverage_rows"] = len(round_people.round_coverage(conn, opened.round_id))
    m["coverage_s"] = median(lambda: round_people.round_coverage(conn, opened.round_id), 5)
    pdf = plan_document.pdf(*signed[-1])  # import WeasyPrint, warm the fonts
    cold: list[tuple[float, float]] = []
    for talk, version in signed[:20]:  # the first render of each of 20 versions, then stored
        wall, cpu = time.perf_counter(), time.process_time()
        rendered = plan_document.pdf(talk, version)
        cold.append((time.perf_counter() - wall, time.process_time() - cpu))
        plan_pdfs.store(conn, version.id, version.content_hash, rendered, kinds.plan_pdf)
    m["pdf_ms"], m["pdf_cpu_ms"] = (statistics.median(c) * 1000 for c in zip(*cold, strict=True))
    m["pdf_kb"], m["pdf_pages"] = len(pdf) / 1024, len(PdfReader(BytesIO(pdf)).pages)
    for _, version in signed[20:]:
        plan_pdfs.store(conn, version.id, version.content_hash, pdf, kinds.plan_pdf)
    select, ids = (
        "SELECT pdf FROM plan_pdfs WHERE plan_version_id = ?",
        [(v.id,) for _, v in signed],
    )
    verified = [(v.id, v.content_hash, kinds.plan_pdf) for _, v in signed]

    def files(render: bool, upto: int) -> Iterator[tuple[str, bytes]]:
        """The team's zip as the view makes it; RSS noted at plan 100 and at the last."""
        signed, _ = plan_record.team_copies(conn, talks[:upto])
        if render:  # the old path: every PDF rendered again
            for talk, _ in signed:
                found = plans.latest_signed_by_both(conn, talk.id, kinds.plan)
                yield plan_document.file_name(talk), plan_document.pdf(talk, found[0])  # type: ignore[index]
            return
        for index, file in enumerate(plan_record.team_files(conn, signed, [], print)):
            if index in (100, upto - 1):
                m["rss_at_100" if index == 100 else "rss_at_end"] = harness.proc_mb("self") or 0.0
            yield file

    def zipped(render: bool, upto: int) -> float:
        return sum(len(chunk) for chunk in exports.stream_zip(files(render, upto))) / 1e6

    # Baseline, verified reads and the zip taken in turn, five times: a load that comes and goes
    # on the machine then falls on all three alike, and the ratio stays meaningful.
    m["read_s"], m["verified_s"], m["zip_s"] = interleaved(
        lambda: [conn.execute(select, i).fetchone()[0] for i in ids],
        lambda: [plan_pdfs.get(conn, *v) for v in verified],
        lambda: m.__setitem__("zip_mb", zipped(False, count)),
    )
    m["zip_ratio"], m["zip_to_verified"] = m["zip_s"] / m["read_s"], m["zip_s"] / m["verified_s"]
    m["rss_growth_mb"] = m.get("rss_at_end", 0.0) - m.setdefault("rss_at_100", 0.0)
    m["old_s"] = median(lambda: zipped(True, m["old_plans"]), 1)
    m["old_1000_s"] = m["old_s"] / m["old_plans"] * 1000
    cells = ("Barn och utbildning", "Genomförd", "2026-12-01 10.00", "Rum 3", 2, "Ja")
    csv_rows = [(f"Person {i} Åström", *cells) for i in range(10_000)]
    tracemalloc.start()
    csv = median(lambda: m.__setitem__("csv", exports.csv_bytes(OVERVIEW_HEADER, csv_rows)), 1)
    m["csv_ms"], m["csv_mb"] = csv * 1000, len(m.pop("csv")) / 1e6
    m["csv_peak_mb"] = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    return m


def interleaved(*works: Callable[[], object], rounds: int = 5) -> list[float]:
    """The median wall-clock seconds of each work, run in turn `rounds` times."""
    times: list[list[float]] = [[] for _ in works]
    for _ in range(rounds):
        for spent, work in zip(times, works, strict=True):
            spent.extend(timeit.repeat(work, number=1, repeat=1))
    return [statistics.median(spent) for spent in times]


def median(work: Callable[[], object], repeat: int) -> float:
    """The median wall-clock seconds of `repeat` runs."""
    return statistics.median(timeit.repeat(work, number=1, repeat=repeat))


if __name__ == "__main__":
    main()
