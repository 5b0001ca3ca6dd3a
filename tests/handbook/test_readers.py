"""The handbook as readers meet it: whose routine, its decisions, a page for each reader."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag

from formserver.siteconfig import SiteConfig
from tests.factories import SITE_CONFIG
from tests.handbook.test_build import build, page_html

READER_PAGES = {
    "for-medarbetare.md": "För dig som medarbetare",
    "for-chefer.md": "Checklista för chefer",
    "for-hr.md": "Samtalsomgången för HR",
    "fragor-och-svar.md": "Frågor och svar",
    "sa-gor-vi-hos-oss.md": "Så gör vi hos oss",
}
FAQ = [
    "Vi är inte överens – måste jag skriva under?",
    "Vad händer om samtalet inte blir av?",
    "Hur hänger det ihop med lönesamtalet och bedömningssamtalet?",
    "Jag har en kort anställning – får jag ett medarbetarsamtal?",
    "Våld i nära relation",
    "Var får jag stöd?",
]


def soup_of(site: Path, uri: str) -> BeautifulSoup:
    return BeautifulSoup(page_html(site, uri), "html.parser")


def text(element: Tag) -> str:
    return " ".join(element.get_text(" ").split())


def header_text(soup: BeautifulSoup) -> str:
    header = soup.find("header", class_="md-header")
    assert isinstance(header, Tag)
    return text(header)


def boxes(soup: BeautifulSoup) -> list[str]:
    """The text of every "Så gör vi hos oss" box on the page."""
    return [text(box) for box in soup.select("article div.admonition.hos-oss")]


def headings(soup: BeautifulSoup, level: str = "h2") -> list[str]:
    return [text(h).removesuffix(" ¶") for h in soup.select(f"article {level}")]


def test_organisation_name_is_in_the_header_of_every_page(
    site: Path, site_config: SiteConfig
) -> None:
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 20
    for path in pages:
        soup = BeautifulSoup(path.read_text("utf-8"), "html.parser")
        assert site_config.organisation.name in header_text(soup), path


@pytest.mark.parametrize(("uri", "title"), READER_PAGES.items())
def test_each_reader_page_is_in_the_nav_and_on_the_start_page(
    site: Path, uri: str, title: str
) -> None:
    assert headings(soup_of(site, uri), "h1") == [title]
    href = uri.removesuffix(".md") + "/"
    start = soup_of(site, "index.md")
    assert start.select(f'nav.md-nav--primary a[href="{href}"]'), f"{uri} is not in the nav"
    assert href in [a.get("href") for a in start.select("article a")]


def test_the_questions_and_answers_are_there_and_marked_as_the_handbooks_own(site: Path) -> None:
    page = soup_of(site, "fragor-och-svar.md")
    assert headings(page) == FAQ
    assert "Svaren på den här sidan är handbokens egna råd." in text(page.article)
    # Support sits next to the violence section, which says what the source says.
    assert FAQ.index("Var får jag stöd?") == FAQ.index("Våld i nära relation") + 1
    assert "”Denna punkt ska inte dokumenteras i detta samtal.”" in text(page.article)


def test_manager_checklist_credits_every_source_it_builds_on(site: Path) -> None:
    page = soup_of(site, "for-chefer.md")
    assert headings(page)[:3] == ["Före samtalet", "Under samtalet", "Efter samtalet"]
    body = text(page.article)
    for source in (
        "Rutin för medarbetarsamtal",
        "KTH",
        "Omställningsfonden",
        "Göteborgs Stads mall för medarbetarsamtal",
    ):
        assert f"(källa: {source})" in body, source


def test_decisions_page_and_boxes_show_the_shipped_values(
    site: Path, site_config: SiteConfig
) -> None:
    org, policies = site_config.organisation, site_config.policies
    page = soup_of(site, "sa-gor-vi-hos-oss.md")
    body = text(page.article)
    assert f"Chefen kallar minst {policies.call_notice_days} dagar före samtalet" in body
    assert f"Vi sparar underskrivna planer i {policies.retention_years} år" in body
    assert f"{org.routine_owner} äger rutinen" in body
    assert f"Samtalen hålls {policies.talk_period}." in body
    assert f"tar du som chef stöd i {policies.violence_routine}." in body
    assert page.select_one(f'article a[href="mailto:{org.contact_email}"]') is not None
    # The question set and plan template in use, linked to their pages.
    links = {a.get("href"): text(a) for a in page.select("article a")}
    assert links["../fragor/rutin/"] == f"”{site_config.question_sets['rutin'].title}”"
    assert links["../planmallar/handlingsplan/"].startswith("”Handlingsplan")
    # The sources' differing rules stay, as background.
    assert "Källornas regler är bakgrund" in headings(page)

    assert any("minst 14 dagar" in box for box in boxes(soup_of(site, "vem-och-nar.md")))
    retention = boxes(soup_of(site, "dokumentera.md"))
    assert any("underskrivna planer i 3 år" in box for box in retention)
    assert any(policies.violence_routine in box for box in boxes(soup_of(site, "fragor/goteborg/")))


def test_boxes_are_on_the_pages_where_the_decisions_matter(site: Path) -> None:
    for uri in ("forbered.md", "genomfor.md", "for-chefer.md", "for-hr.md"):
        assert any("använder vi frågeunderlaget" in box for box in boxes(soup_of(site, uri))), uri
    page = soup_of(site, "fragor/goteborg.md")
    (box,) = page.select("article div.admonition.hos-oss")
    assert text(box).startswith("Så gör vi hos Exempelkommunen")
    assert box.select_one('a[href="../../sa-gor-vi-hos-oss/"]') is not None
    # The decisions page does not link to itself.
    assert not boxes(soup_of(site, "sa-gor-vi-hos-oss.md"))


def test_another_organisation_sees_its_own_decisions(tmp_path: Path) -> None:
    root = tmp_path / "site_config"
    shutil.copytree(SITE_CONFIG, root)
    edits = {
        "organisation.yml": [
            ("name: Exempelkommunen", "name: Byns bageri AB"),
            ("public_sector: true", "public_sector: false"),
            ("contact_email: hr@example.se", "contact_email: personal@bageri.example"),
            ("default_question_set: rutin", "default_question_set: goteborg"),
            ("routine_owner: HR-avdelningen", "routine_owner: Personalchefen"),
        ],
        "policies.yml": [
            ("call_notice_days: 14", "call_notice_days: 21"),
            ("retention_years: 3", "retention_years: 7"),
            ("talk_period: under oktober och november", "talk_period: i mars"),
            ('plans_handed_over_to: ""', "plans_handed_over_to: personalakten"),
            (
                "violence_routine: Exempelkommunens rutin",
                "violence_routine: Bageriets rutin",
            ),
            # policies.yml offers English: a decision written in Swedish needs its English
            # too (the build stops otherwise), and a changed one should be changed in both.
            ('plans_handed_over_to: ""', "plans_handed_over_to: the personnel file"),
            ("talk_period: in October and November", "talk_period: in March"),
        ],
    }
    for file, changes in edits.items():
        path = root / file
        content = path.read_text("utf-8")
        for old, new in changes:
            assert old in content, old
            content = content.replace(old, new, 1)
        path.write_text(content, "utf-8")
    result = build(tmp_path / "site", FORMSERVER_SITE_CONFIG_DIR=str(root))
    assert result.returncode == 0, result.stderr
    site = tmp_path / "site"

    page = soup_of(site, "sa-gor-vi-hos-oss.md")
    assert "Byns bageri AB" in header_text(page)
    assert "Exempelkommunen" not in header_text(page)
    body = text(page.article)
    assert "Hos Byns bageri AB använder vi frågeunderlaget ”Mall för medarbetarsamtal”" in body
    assert "planmallen ”Individuell utvecklingsplan”" in body
    assert "Det här dokumenteras inte i medarbetarsamtalet: ”Våld i nära relation" in body
    assert (
        "Det här behöver inte dokumenteras: ”Arbetsmiljö och hälsa”. "
        "Skriv ner eventuella risker och behov." in body
    )
    assert "Chefen kallar minst 21 dagar före samtalet" in body
    assert "Samtalen hålls i mars." in body
    assert "Vi sparar underskrivna planer i 7 år" in body
    assert "gallringsbeslut" not in body and "allmän handling" not in body
    assert "lämnar också de underskrivna planerna till personalakten." in body
    assert "Personalchefen äger rutinen" in body
    assert "tar du som chef stöd i Bageriets rutin" in body
    assert page.select_one('article a[href="mailto:personal@bageri.example"]') is not None

    assert any("minst 21 dagar" in box for box in boxes(soup_of(site, "vem-och-nar.md")))
    assert all("Byns bageri AB" in box for box in boxes(soup_of(site, "for-chefer.md")))
    assert any("Bageriets rutin" in box for box in boxes(soup_of(site, "dokumentera.md")))
