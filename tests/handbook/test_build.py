"""The handbook build: content from site_config on its pages, search, privacy and page rules."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from mkdocs.config import load_config

from formserver.handbook import markers as handbook
from formserver.paths import PROJECT_ROOT
from formserver.siteconfig import SiteConfig
from tests.factories import BreakConfig

# The Swedish pages; each has its English twin beside it as <page>.en.md (test_english.py).
PAGES = sorted(
    p.relative_to(PROJECT_ROOT / "docs").as_posix()
    for p in (PROJECT_ROOT / "docs").rglob("*.md")
    if not p.name.endswith(".en.md")
)


def build(
    site_dir: Path, config_file: Path | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    """Run a strict MkDocs build the way `make docs` does."""
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)]
    if config_file:
        command += ["--config-file", str(config_file)]
    return subprocess.run(
        command,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1", **env},
        check=False,
    )


def page_html(site: Path, uri: str) -> str:
    return (site / uri.removesuffix(".md").removesuffix("index") / "index.html").read_text("utf-8")


def visible_text(markup: str) -> str:
    """The article's text as a reader sees it: tags removed, entities decoded, spaces folded."""
    article = markup[markup.index("<article") : markup.index("</article>")]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", article)).split())


def search_text(site: Path, prefix: str) -> str:
    index = json.loads((site / "search" / "search_index.json").read_text("utf-8"))
    docs = [d for d in index["docs"] if d["location"].startswith(prefix)]
    raw = " ".join(f"{d['title']} {d['text']}" for d in docs)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", raw)).split())


def set_texts(site_config: SiteConfig, set_id: str) -> list[str]:
    qs = site_config.question_sets[set_id]
    texts = [qs.intro] if qs.intro else []
    for section in qs.sections:
        texts += [section.title, *section.points]
        texts += [section.intro, section.documentation_note, section.manager_note]
        for q in section.questions:
            texts += [q.text, q.help, q.note, q.points_intro, *q.points]
    return [t for t in texts if t]


@pytest.mark.parametrize("set_id", ["rutin", "kompetenssamtal", "rollsamtal", "goteborg"])
def test_every_question_is_on_its_page_and_in_search(
    site: Path, site_config: SiteConfig, set_id: str
) -> None:
    on_page = visible_text(page_html(site, f"fragor/{set_id}/"))
    in_search = search_text(site, f"fragor/{set_id}/")
    for text in set_texts(site_config, set_id):
        assert text in on_page, text
        assert text in in_search, text


def test_whole_routine_page_holds_every_question_and_is_not_searched(
    site: Path, site_config: SiteConfig
) -> None:
    whole = visible_text(page_html(site, "hela-rutinen/"))
    for set_id in site_config.question_sets:
        for text in set_texts(site_config, set_id):
            assert text in whole, text
    for template in site_config.plan_templates.values():
        for grid in template.grids:
            for column in grid.columns:
                assert column.label in whole
    assert search_text(site, "hela-rutinen/") == ""


@pytest.mark.parametrize("template_id", ["handlingsplan", "aktivitetsplan", "utvecklingsplan"])
def test_plan_template_page_is_a_blank_printable_table(
    site: Path, site_config: SiteConfig, template_id: str
) -> None:
    markup = page_html(site, f"planmallar/{template_id}/")
    template = site_config.plan_templates[template_id]
    for grid in template.grids:
        for column in grid.columns:
            assert f'<th scope="col">{html.escape(column.label, quote=False)}' in markup
        empty_row = "<tr>" + "<td></td>" * len(grid.columns) + "</tr>"
        assert markup.count(empty_row) >= grid.blank_rows
    for field in (*template.header_fields, *template.signatures):
        assert f'<th scope="row">{html.escape(field, quote=False)}</th>' in markup


def test_never_section_is_guidance_with_its_rule(site: Path) -> None:
    text = visible_text(page_html(site, "fragor/goteborg/"))
    start = text.rindex("Våld i nära relation och/eller hedersrelaterat våld")
    section = text[start : start + 900]
    assert "Denna punkt ska inte dokumenteras i detta samtal." in section
    assert "dokumenteras inte i medarbetarsamtalet. I formulärtjänsten har det inget fält." in (
        section
    )
    assert "Behöver inte dokumenteras." in text


def test_every_source_is_credited(site: Path, site_config: SiteConfig) -> None:
    credits = visible_text(page_html(site, "kallor/"))
    for source in site_config.sources.values():
        assert source.organisation in credits
        assert source.title in credits
    goteborg = visible_text(page_html(site, "fragor/goteborg/"))
    assert "Källa: ”Mall för medarbetarsamtal”, Göteborgs Stad." in goteborg


def test_built_site_loads_nothing_from_other_hosts(site: Path) -> None:
    assert list(handbook.external_assets(site)) == []


@pytest.mark.parametrize("page", PAGES)
def test_every_page_is_swedish_owned_reviewed_and_ordered(site: Path, page: str) -> None:
    markup = page_html(site, page)
    assert '<html lang="sv"' in markup
    assert re.search(
        r"Sidansvarig: \S.*Senast granskad: <time>\d{4}-\d\d-\d\d</time>", markup, re.S
    )
    article = markup[markup.index("<article") : markup.index("</article>")]
    levels = [int(level) for level in re.findall(r"<h([1-6])[ >]", article)]
    assert levels[0] == 1 and levels.count(1) == 1, levels
    for before, after in zip(levels, levels[1:], strict=False):
        assert after <= before + 1, f"{page}: rubriknivå {before} följs av {after}"
    link_texts = re.findall(r"<a [^>]*>(.*?)</a>", article, re.S)
    vague = {"här", "klicka här", "läs mer", "länk"}
    assert not [t for t in link_texts if t.strip().lower() in vague]


def test_pages_link_to_the_form_service(site: Path, site_config: SiteConfig) -> None:
    url = site_config.organisation.form_service_url.rstrip("/")
    assert f'href="{url}/"' in page_html(site, "index.md")
    assert "formulartjanst:" not in page_html(site, "forbered.md")


def test_broken_site_config_fails_the_build(tmp_path: Path, broken_config: BreakConfig) -> None:
    root = broken_config("question_sets/goteborg.yml", "    policy: optional", "    policy: kanske")
    result = build(tmp_path / "site", FORMSERVER_SITE_CONFIG_DIR=str(root))
    assert result.returncode != 0
    assert (
        "site_config/question_sets/goteborg.yml, rad 33, fält sections[2].policy" in result.stderr
    )
    assert "”kanske” är inte tillåtet" in result.stderr


def test_site_config_dir_from_the_environment_moves_the_handbook(
    monkeypatch: pytest.MonkeyPatch, broken_config: BreakConfig
) -> None:
    # One name for both halves: tests/test_config.py checks the service reads the same variable.
    root = broken_config(
        "organisation.yml",
        "handbook_url: http://127.0.0.1:5000/handbok/",
        "handbook_url: https://intra.example.se/rutin/",
    )
    monkeypatch.setenv("FORMSERVER_SITE_CONFIG_DIR", str(root))
    config = load_config(str(PROJECT_ROOT / "mkdocs.yml"))
    config = config.plugins.on_config(config)
    assert config["site_url"] == "https://intra.example.se/rutin/"


def _one_page_site(tmp_path: Path, page: str) -> Path:
    """A copy of mkdocs.yml with absolute paths, building only `page` as docs/index.md."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text(page, "utf-8")
    config = yaml.safe_load((PROJECT_ROOT / "mkdocs.yml").read_text("utf-8"))
    config["docs_dir"] = str(docs)
    config["nav"] = [{"Start": "index.md"}]
    config["theme"]["custom_dir"] = str(PROJECT_ROOT / config["theme"]["custom_dir"])
    config["hooks"] = [str(PROJECT_ROOT / hook) for hook in config["hooks"]]
    path = tmp_path / "mkdocs.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), "utf-8")
    return path


def test_external_asset_fails_the_build(tmp_path: Path) -> None:
    config = _one_page_site(
        tmp_path,
        "---\ntitle: Start\nowner: HR\nreviewed: 2026-11-21\n---\n# Start\n\n"
        '<img src="https://tracker.example.com/pixel.png" alt="">\n',
    )
    result = build(tmp_path / "site", config)
    assert result.returncode != 0
    assert "index.html: https://tracker.example.com/pixel.png" in result.stderr


def test_page_without_owner_fails_the_build(tmp_path: Path) -> None:
    config = _one_page_site(tmp_path, "---\ntitle: Start\n---\n# Start\n")
    result = build(tmp_path / "site", config)
    assert result.returncode != 0
    assert "index.md: front matter saknar owner, reviewed." in result.stderr
