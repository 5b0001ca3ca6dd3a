"""The handbook states the sources' rules as the sources state them (issue 11).

Each test reads the built pages as a reader meets them and would fail if one of the errors
found in a reading of the seeds came back: a rule made stricter or weaker, a recommendation
made a rule, a source's own system given as an instruction, or a line credited to the wrong
source.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.handbook.test_build import PAGES, build, page_html, visible_text

OMSTALLNINGSFONDEN_DOCUMENTS = (
    "https://www.omstallningsfonden.se/globalassets/publika-webben/arbetsgivare/dokument/"
    "strategiskt-stod/modul-2/"
)
SKATTA_DIN_KOMPETENS = OMSTALLNINGSFONDEN_DOCUMENTS + "skattadinkompetens-bilaga.pdf"
AKTIVITETSPLAN = OMSTALLNINGSFONDEN_DOCUMENTS + "aktivitetsplan-bilaga.pdf"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site_dir = tmp_path_factory.mktemp("site")
    result = build(site_dir)
    assert result.returncode == 0, result.stderr
    return site_dir


def text(site: Path, page: str) -> str:
    return visible_text(page_html(site, page))


def sentences(site: Path, containing: str) -> list[tuple[str, str]]:
    """Every sentence on every page that contains `containing`, with its page."""
    found = []
    for page in PAGES:
        for sentence in re.split(r"(?<=[.!?])\s+", text(site, page)):
            if containing in sentence:
                found.append((page, sentence))
    return found


def test_no_page_makes_the_violence_section_stricter_than_the_source(site: Path) -> None:
    for page in PAGES:
        lowered = text(site, page).lower()
        for stricter in ("aldrig dokumentera", "aldrig skriva ner", "inget skrivs ner"):
            assert stricter not in lowered, (page, stricter)
    for page in ("dokumentera.md", "fragor/goteborg.md", "genomfor.md"):
        assert "ska inte dokumenteras i" in text(site, page), page
    for page in ("dokumentera.md", "fragor/goteborg.md"):
        assert "enligt organisationens egen rutin mot våld i nära relation" in text(site, page)
    assert "Denna punkt ska inte dokumenteras i detta samtal." in text(site, "dokumentera.md")


def test_one_to_one_is_a_recommendation_wherever_it_is_mentioned(site: Path) -> None:
    mentions = sentences(site, "1:1")
    assert {page for page, _ in mentions} >= {
        "vem-och-nar.md",
        "genomfor.md",
        "fragor/rollsamtal.md",
    }
    for page, sentence in mentions:
        assert "ekommender" in sentence, (page, sentence)


def test_short_employments_follow_the_routine_and_no_manual_step_is_promised(site: Path) -> None:
    page = text(site, "vem-och-nar.md")
    assert "för hand" not in page
    assert "kortare anställning än fem månader, när det är relevant" in page


def test_winlas_is_only_the_source_organisations_example(site: Path) -> None:
    mentions = sentences(site, "WinLas")
    assert mentions, "the source's example is kept"
    for page, sentence in mentions:
        assert "källans organisation" in sentence, (page, sentence)
    # The blank template, printed as it is, has no footer telling the reader where to file it.
    assert 'class="plan-footer"' not in page_html(site, "planmallar/handlingsplan.md")


def test_all_notes_are_shared_with_the_employee(site: Path) -> None:
    page = text(site, "dokumentera.md")
    assert "”Efter genomfört samtal ska samtliga anteckningar delges medarbetaren”" in page
    assert "Alla anteckningar delges medarbetaren" in page
    for each in PAGES:
        assert "får ta del av" not in text(site, each), each


def test_manager_and_employee_go_through_the_purpose_together_at_the_apt(site: Path) -> None:
    for page in ("forbered.md", "begrepp.md"):
        (apt,) = [s for p, s in sentences(site, "APT") if p == page and "syftet" in s]
        assert "chef och medarbetare tillsammans igenom syftet" in apt, apt


def test_signatures_are_stated_per_source(site: Path) -> None:
    for template in ("handlingsplan", "aktivitetsplan"):
        markup = page_html(site, f"planmallar/{template}.md")
        assert "<caption>Underskrifter</caption>" not in markup
        assert "ingen underskrift" in text(site, f"planmallar/{template}.md")
    assert "<caption>Underskrifter</caption>" in page_html(site, "planmallar/utvecklingsplan.md")
    dokumentera = text(site, "dokumentera.md")
    assert "formulärtjänstens eget sätt att bekräfta" in dokumentera
    assert "Det är inte en regel från källorna." in dokumentera
    assert "skriv under planen" not in text(site, "index.md")


def test_omstallningsfonden_is_credited_and_its_documents_linked(site: Path) -> None:
    mentions = sentences(site, "samma utgångspunkt")
    assert mentions
    for page, sentence in mentions:
        # The advice is credited by the source named in or just before it (a list's lead-in).
        page_text = text(site, page)
        before = page_text[: page_text.index(sentence) + len(sentence)]
        credit = re.findall(r"\(källa: ([^)]*)\)", before)[-1].strip()
        assert credit == "Omställningsfonden", (page, sentence, credit)
    kompetenssamtal = text(site, "fragor/kompetenssamtal.md")
    assert "”det individuella samtalet” och ”utvecklingssamtal”" in kompetenssamtal
    assert "Kompetenssamtal är handbokens namn" in kompetenssamtal
    assert f'href="{SKATTA_DIN_KOMPETENS}"' in page_html(site, "fragor/kompetenssamtal.md")
    assert f'href="{SKATTA_DIN_KOMPETENS}"' in page_html(site, "forbered.md")
    assert f'href="{AKTIVITETSPLAN}"' in page_html(site, "planmallar/aktivitetsplan.md")


def test_lines_that_were_missing_from_kth_and_the_role_template_are_there(site: Path) -> None:
    purpose = text(site, "syfte-och-nytta.md")
    assert (
        "Medarbetare och chef kan tillsammans utveckla och förbättra arbetsinsatser och "
        "arbetsprocesser." in purpose
    )
    assert "både KTH-övergripande och arbetsplatsspecifika" in purpose
    assert "”Guide för chefer inför medarbetarsamtal” (källa: KTH)" in text(site, "forbered.md")
    for page in ("syfte-och-nytta.md", "fragor/rollsamtal.md"):
        assert "bygger på ömsesidig förståelse" in text(site, page), page
        assert "mer relevanta, uppnåeliga och motiverande" in text(site, page), page
