"""formserver.handbook.markers: markers, includes, link rewriting and the external-asset scan."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from formserver.handbook import markers as handbook
from formserver.siteconfig import SiteConfig


def test_unknown_question_set_names_page_and_choices(site_config: SiteConfig) -> None:
    with pytest.raises(handbook.HandbookError) as caught:
        handbook.expand_markers("<!-- fragor: okand -->\n", "fragor/x.md", site_config, str)
    assert str(caught.value) == (
        "fragor/x.md: frågeformuläret ”okand” finns inte "
        "(goteborg, kompetenssamtal, rollsamtal, rutin)."
    )


def test_unknown_plan_template_is_refused(site_config: SiteConfig) -> None:
    with pytest.raises(handbook.HandbookError, match="planmallen ”mall” finns inte"):
        handbook.expand_markers("<!-- planmall: mall -->\n", "a.md", site_config, str)


def test_include_shifts_headings_and_rebases_links(site_config: SiteConfig) -> None:
    pages = {
        "fragor/rollsamtal.md": "---\ntitle: R\n---\n# Rollen\n\n"
        "Se [förbered](../forbered.md#steg).\n\n<!-- fragor: rollsamtal -->\n",
    }
    out = handbook.expand_markers(
        "# Allt\n\n<!-- inkludera: fragor/rollsamtal.md -->\n",
        "hela.md",
        site_config,
        pages.__getitem__,
    )
    assert "\n## Rollen\n" in out
    assert "[förbered](forbered.md#steg)" in out
    assert "\n### Inledning och nuläge { #rollsamtal-inledning_och_nulage }\n" in out
    assert "title: R" not in out


def test_missing_include_is_reported(site_config: SiteConfig) -> None:
    def read(uri: str) -> str:
        raise FileNotFoundError(uri)

    with pytest.raises(handbook.HandbookError, match="sidan ”saknas.md” att inkludera finns inte"):
        handbook.expand_markers("<!-- inkludera: saknas.md -->\n", "hela.md", site_config, read)


def test_unknown_decision_box_names_page_and_choices(site_config: SiteConfig) -> None:
    with pytest.raises(handbook.HandbookError) as caught:
        handbook.expand_markers("<!-- hos-oss: lon -->\n", "forbered.md", site_config, str)
    assert str(caught.value) == (
        "forbered.md: rutan ”hos-oss: lon” finns inte "
        "(underlag, dokumentation, kallelse, bevarande, vald, kontakt)."
    )


def test_decision_box_links_relative_to_its_page_and_only_to_pages_that_exist(
    site_config: SiteConfig,
) -> None:
    def read(uri: str) -> str:
        if uri in {"sa-gor-vi-hos-oss.md", "fragor/rutin.md"}:
            return ""
        raise FileNotFoundError(uri)

    out = handbook.expand_markers("<!-- hos-oss: underlag -->\n", "fragor/x.md", site_config, read)
    assert out.startswith('!!! note hos-oss "Så gör vi hos Exempelkommunen"\n\n    Hos ')
    assert "[”Rutin för medarbetarsamtal – reflektionsområden”](rutin.md)" in out
    # No page for the plan template: its name without a link, so a strict build does not break.
    assert "planmallen ”Handlingsplan för individuella mål och kompetensutveckling”." in out
    assert "[Så gör vi hos oss](../sa-gor-vi-hos-oss.md)" in out
    page = handbook.expand_markers("<!-- hos-oss -->\n", "sa-gor-vi-hos-oss.md", site_config, read)
    assert "## Vem äger rutinen och vem frågar jag?" in page
    assert "sa-gor-vi-hos-oss.md)" not in page


def test_markdown_syntax_in_titles_is_escaped(site_config: SiteConfig) -> None:
    from formserver.handbook.render import markdown_text

    assert (
        str(markdown_text("Mål *viktigt* <b>[x]</b>"))
        == r"Mål \*viktigt\* &lt;b&gt;\[x\]&lt;/b&gt;"
    )


@pytest.mark.parametrize(
    ("meta", "message"),
    [
        ({"title": "T"}, "front matter saknar owner, reviewed"),
        ({"title": "T", "owner": "HR", "reviewed": "i fjol"}, "reviewed ska vara ett datum"),
    ],
)
def test_front_matter_rules(meta: dict[str, object], message: str) -> None:
    with pytest.raises(handbook.HandbookError, match=message):
        handbook.check_front_matter(meta, "sida.md")
    handbook.check_front_matter(
        {"title": "T", "owner": "HR", "reviewed": dt.date(2026, 11, 21)}, "ok.md"
    )


def test_service_links_point_at_the_configured_address() -> None:
    out = handbook.link_to_service(
        "[Gå](formulartjanst:/forberedelse)", "https://samtal.example.se/"
    )
    assert out == "[Gå](https://samtal.example.se/forberedelse)"


def test_scan_finds_every_kind_of_external_asset(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "index.html").write_text(
        '<link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Roboto">'
        '<link rel="preconnect" href="https://fonts.gstatic.com">'
        '<script src="//cdn.example.com/x.js"></script>'
        '<a href="https://www.digg.se/">DIGG</a>'
        '<img src="/local.png" alt="">'
        '<div style="background: url(https://img.example.com/bg.png)"></div>',
        "utf-8",
    )
    (tmp_path / "s.css").write_text(
        '@import "https://x.example.com/a.css"; b{background:url(data:image/png;base64,AA)}',
        "utf-8",
    )
    found = sorted(handbook.external_assets(tmp_path))
    assert found == [
        ("a/index.html", "//cdn.example.com/x.js"),
        ("a/index.html", "https://fonts.googleapis.com/css?family=Roboto"),
        ("a/index.html", "https://fonts.gstatic.com"),
        ("a/index.html", "https://img.example.com/bg.png"),
        ("s.css", "https://x.example.com/a.css"),
    ]


def test_print_header_names_the_organisation_and_the_build_date(
    site_config: SiteConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1796083200")  # 2026-12-01 00:00 UTC
    out = handbook.expand_markers("# Allt\n\n<!-- utskrift -->\n", "hela.md", site_config, str)
    assert "<strong>Exempelkommunen</strong>" in out
    assert 'skapad <time datetime="2026-12-01">2026-12-01</time>.' in out


def test_source_notes_link_to_the_sources_list_only_on_a_page_that_has_it(
    site_config: SiteConfig,
) -> None:
    text = "Så säger källan (källa: KTH).\n"
    with_list = handbook.expand_markers(f"{text}\n<!-- kallor -->\n", "hela.md", site_config, str)
    assert "Så säger källan (källa: [KTH](#kallor))." in with_list
    without = handbook.expand_markers(text, "genomfor.md", site_config, str)
    assert without == text
