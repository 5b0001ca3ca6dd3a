"""One word per thing, as the handbook uses them (docs/begrepp.md, docs/vem-och-nar.md): what
people read in the service, its e-mail, its documents and the handbook never uses a variant."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from formserver.paths import PROJECT_ROOT

# The variant, and the word to write instead.
BANNED = {
    r"frågeformulär": "frågeunderlag",
    r"e-?brev": "e-post (e-postmeddelande)",
    r"mejl": "e-post (e-postmeddelande)",
    r"visstidsanställ": "tidsbegränsat anställd",
}
# A source's own title or words, quoted ”…”, keep their wording.
QUOTED = re.compile(r"”[^”]*”")
# Where user-facing Swedish lives: the templates (pages, e-mail, documents, the handbook's
# fragments), the package's texts, the handbook and the organisation's own data.
SOURCES = {
    "templates": "**/*",
    "formserver": "**/*.py",
    "docs": "**/*.md",
    "site_config": "**/*.yml",
}


def files() -> list[Path]:
    found = [
        path
        for folder, pattern in SOURCES.items()
        for path in sorted((PROJECT_ROOT / folder).glob(pattern))
        if path.is_file() and path.suffix in {".html", ".j2", ".txt", ".ics", ".py", ".md", ".yml"}
    ]
    assert len(found) > 50, "the scan found too few files: has the tree moved?"
    return found


@pytest.mark.parametrize("variant", sorted(BANNED))
def test_no_text_uses_a_variant_of_a_handbook_term(variant: str) -> None:
    pattern = re.compile(variant, re.IGNORECASE)
    hits = [
        f"{path.relative_to(PROJECT_ROOT)}:{number}: {line.strip()[:100]}"
        for path in files()
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if pattern.search(QUOTED.sub("", line))
    ]

    assert hits == [], f"write {BANNED[variant]!r} instead of {variant!r}:\n" + "\n".join(hits)


def test_the_handbook_uses_the_terms_themselves() -> None:
    handbook = " ".join(path.read_text("utf-8") for path in (PROJECT_ROOT / "docs").glob("*.md"))

    for term in ("frågeunderlag", "e-post", "tidsbegränsat anställd"):
        assert term in handbook, term
