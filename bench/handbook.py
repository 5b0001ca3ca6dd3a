"""Handbook weight benchmark: our MkDocs build beside Material's default configuration.

Both sites are built in one run into a temporary directory (never into site/): ours from
mkdocs.yml as it is, and "Material default" from a generated config with the same docs_dir, nav,
markdown_extensions and hook (identical content) but `theme: {name: material, language: ...}`
and `plugins: [search]` only. There the hook comes through a wrapper that leaves out its
post-build gate, which rejects Google Fonts by design.

Reported for a representative page (genomfor/): first-load bytes, gzip level 6, of the HTML,
its same-origin CSS and JS and the search assets a first search loads (search_index.json, the
worker, the lunr files the worker imports for the language); the second page's HTML (forbered/;
assets are cached by then); third-party requests (distinct external URLs in the page and its
CSS); build time (median of --runs `python -m mkdocs build` subprocesses); pages and total gzip
size. Targets: zero third-party requests, first load <= the default's same-origin first load,
second page <= 8 KB gzip. Run: `make bench` or `.venv/bin/python bench/handbook.py [--verbose]`;
JSON goes to bench/results/handbook.json (or --json PATH).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import yaml

ROOT = Path(__file__).resolve().parent.parent
PAGE, SECOND_PAGE = "genomfor/index.html", "forbered/index.html"
SECOND_PAGE_LIMIT = 8192
EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.I)
CSS_URL = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])([^'")\s]+)""")
ASSET_RELS = {"stylesheet", "preconnect", "preload", "icon"}
HOOK_WRAPPER = '''"""The handbook's hook minus its post-build gate; written by bench/handbook.py."""
import sys

sys.path.insert(0, {root!r})
from formserver.handbook.hook import on_config, on_page_markdown  # noqa: E402, F401
'''


class PageParser(HTMLParser):
    """Collects the URLs a page loads by itself, with their kind, and Material's __config."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str]] = []
        self.config = ""
        self._in_config = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Record stylesheets, scripts, other linked assets and images; spot __config."""
        values = {name: value or "" for name, value in attrs}
        rels = set(values.get("rel", "").lower().split())
        href, src = values.get("href", ""), values.get("src", "")
        if tag == "link" and href and rels & ASSET_RELS:
            self.urls.append(("css" if "stylesheet" in rels else "", href))
        elif tag in ("script", "img") and src:
            self.urls.append(("js" if tag == "script" else "", src))
        self._in_config = tag == "script" and values.get("id") == "__config"

    def handle_endtag(self, tag: str) -> None:
        """Leave the __config script."""
        self._in_config = False

    def handle_data(self, data: str) -> None:
        """Keep the text of the __config script."""
        if self._in_config:
            self.config += data


@dataclass
class Result:
    """The figures for one built site."""

    name: str
    build_seconds: float
    build_runs: list[float]
    page: str
    second_page_path: str
    pages: int
    site_gzip: int
    first_load: int
    first_load_parts: dict[str, int]
    second_page: int
    third_party: list[str]
    first_load_files: dict[str, int]


def gz(data: bytes) -> int:
    """Size in bytes of the data gzipped at level 6, the usual server setting."""
    return len(gzip.compress(data, compresslevel=6, mtime=0))


def local(site: Path, base: str, url: str) -> Path | None:
    """The site file a URL found in `base` points to; None for other hosts and data: URLs."""
    parts = urlsplit(urljoin("/" + base, url.strip()))
    if parts.scheme or parts.netloc:
        return None
    path = parts.path.lstrip("/")
    return site / (path + "index.html" if path.endswith("/") or not path else path)


def nav_pages(nav: Any) -> list[str]:
    """The built HTML paths of the nav's pages, in order."""
    found: list[str] = []
    items = list(nav.values()) if isinstance(nav, dict) else nav if isinstance(nav, list) else [nav]
    for item in items:
        if isinstance(item, str) and item.endswith(".md"):
            stem = item.removesuffix(".md")
            index = stem == "index" or stem.endswith("/index")
            found.append(
                stem.removesuffix("index") + "index.html" if index else f"{stem}/index.html"
            )
        elif isinstance(item, list | dict):
            found.extend(nav_pages(item))
    return found


def default_config(tmp: Path, project: dict[str, Any]) -> Path:
    """Write Material's default configuration around the project's content; return its path."""
    hook = tmp / "default_hook.py"
    hook.write_text(HOOK_WRAPPER.format(root=str(ROOT)), encoding="utf-8")
    keys = ("site_name", "site_description", "copyright")
    config = {key: project[key] for key in keys if key in project}
    config |= {
        "docs_dir": str((ROOT / project.get("docs_dir", "docs")).resolve()),
        "nav": project.get("nav"),
        "markdown_extensions": project.get("markdown_extensions", []),
        "hooks": [str(hook)],
        "theme": {"name": "material", "language": project["theme"].get("language", "en")},
        "plugins": ["search"],
    }
    path = tmp / "mkdocs-default.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def build(config: Path, site: Path, runs: int) -> list[float]:
    """Build the site `runs` times; return the wall-clock seconds of each build."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    command = [sys.executable, "-m", "mkdocs", "build", "--clean"]
    command += ["--config-file", str(config), "--site-dir", str(site)]
    times: list[float] = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
            sys.exit(f"mkdocs build failed for {config.name} (exit {done.returncode}):\n{tail}")
    return times


def search_assets(site: Path, page: str, config: dict[str, Any]) -> list[Path]:
    """The files a first search loads: the index, the worker and the worker's lunr languages."""
    index = site / "search" / "search_index.json"
    worker = local(site, page, str(config.get("search", ""))) if config.get("search") else None
    workers = [worker] if worker and worker.is_file() else []
    workers = workers or sorted((site / "assets/javascripts/workers").glob("*.js"))
    langs: list[str] = json.loads(index.read_text(encoding="utf-8"))["config"]["lang"]
    lunr = site / "assets/javascripts/lunr"
    extra: list[Path] = []
    for lang in langs:
        extra += [lunr / "tinyseg.js"] if lang == "ja" else []
        extra += [lunr / "wordcut.js"] if lang in ("hi", "th") else []
        extra += [lunr / f"min/lunr.{lang}.min.js"] if lang != "en" else []
    extra += [lunr / "min/lunr.multi.min.js"] if len(langs) > 1 else []
    extra = [lunr / "min/lunr.stemmer.support.min.js", *extra] if extra else []
    return [index, *workers, *extra]


def measure(name: str, site: Path, times: list[float], pages: list[str]) -> Result:
    """Measure the built site: first load, second page, third-party requests, totals."""
    page = PAGE if (site / PAGE).is_file() else pages[0]
    second = SECOND_PAGE if (site / SECOND_PAGE).is_file() else next(p for p in pages if p != page)
    parser = PageParser()
    parser.feed((site / page).read_text(encoding="utf-8"))
    config: dict[str, Any] = json.loads(parser.config) if parser.config.strip() else {}
    files: dict[str, tuple[str, Path]] = {page: ("html", site / page)}
    external: set[str] = set()
    for kind, url in parser.urls:
        path = local(site, page, url)
        if EXTERNAL.match(url.strip()):
            external.add(url.strip())
        elif kind and path and path.is_file():
            files[str(path.relative_to(site))] = (kind, path)
    for kind, path in list(files.values()):
        if kind == "css":
            for url in CSS_URL.findall(path.read_text(encoding="utf-8")):
                target = local(site, str(path.relative_to(site)), url)
                if EXTERNAL.match(url):
                    external.add(url)
                elif target and target.suffix == ".css" and target.is_file():
                    files.setdefault(str(target.relative_to(site)), ("css", target))
    for path in search_assets(site, page, config):
        files[str(path.relative_to(site))] = ("search", path)
    sizes = {rel: gz(path.read_bytes()) for rel, (_, path) in files.items() if path.is_file()}
    parts = {kind: 0 for kind in ("html", "css", "js", "search")}
    for rel, (kind, _) in files.items():
        parts[kind] += sizes.get(rel, 0)
    built = [p for p in site.rglob("*") if p.is_file()]
    total = sum(gz(p.read_bytes()) for p in built if p.suffix in (".html", ".css", ".js", ".json"))
    return Result(
        name=name,
        build_seconds=statistics.median(times),
        build_runs=times,
        page=page,
        second_page_path=second,
        pages=sum(1 for p in built if p.suffix == ".html" and p.name != "404.html"),
        site_gzip=total,
        first_load=sum(sizes.values()),
        first_load_parts=parts,
        second_page=gz((site / second).read_bytes()),
        third_party=sorted(external),
        first_load_files=sizes,
    )


def fmt(value: float, unit: str) -> str:
    """A table figure: kilobytes (1 KB = 1024 bytes), seconds, or a plain count."""
    return {"KB": f"{value / 1024:.1f} KB", "s": f"{value:.2f} s"}.get(unit, f"{value:.0f}")


def row(label: str, ours: float, default: float, unit: str = "KB") -> None:
    """Print one table row: ours, the default and the ratio ours/default."""
    ratio = f"{ours / default:.2f}" if default else "-"
    print(f"{label:38}{fmt(ours, unit):>12}{fmt(default, unit):>18}{ratio:>14}")


def report(ours: Result, default: Result, runs: int, verbose: bool) -> dict[str, bool]:
    """Print the side-by-side table and the targets; return PASS/FAIL per target."""
    print(f"Handbook benchmark: page {ours.page}, second page {ours.second_page_path}\n")
    print(f"{'':38}{'ours':>12}{'Material default':>18}{'ours/default':>14}")
    row("First load, same-origin (gzip)", ours.first_load, default.first_load)
    for kind in ("html", "css", "js", "search"):
        row(f"  {kind}", ours.first_load_parts[kind], default.first_load_parts[kind])
    row("Second page (gzip, HTML only)", ours.second_page, default.second_page)
    row("Third-party requests", len(ours.third_party), len(default.third_party), "n")
    row(f"Build time (median of {runs})", ours.build_seconds, default.build_seconds, "s")
    row("Pages", ours.pages, default.pages, "n")
    row("Site total, html/css/js/json (gzip)", ours.site_gzip, default.site_gzip)
    for result in (ours, default):
        for url in result.third_party:
            print(f"  third-party ({result.name}): {urlsplit(url).hostname or '?'}  {url}")
    print("  Font files that the Google Fonts CSS would pull in are not counted (offline run),")
    print("  so the default's third-party figure is a lower bound.")
    if verbose:
        for result in (ours, default):
            print(f"\nFirst-load files ({result.name}):")
            for rel, size in result.first_load_files.items():
                print(f"  {size:>9} B  {rel}")
    weight, limit = fmt(default.first_load, "KB"), fmt(SECOND_PAGE_LIMIT, "KB")
    targets = {
        "zero third-party requests": not ours.third_party,
        f"first load <= default's same-origin first load ({weight})": (
            ours.first_load <= default.first_load
        ),
        f"second page <= {limit} gzip": ours.second_page <= SECOND_PAGE_LIMIT,
    }
    print("\nTargets")
    for name, ok in targets.items():
        print(f"  {'PASS' if ok else 'FAIL'}  {name}")
    return targets


def main() -> None:
    """Build both sites, measure them, print the table and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=3, help="builds per site (median is reported)")
    parser.add_argument("--verbose", action="store_true", help="list the first-load files")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "handbook.json")
    args = parser.parse_args()
    project: dict[str, Any] = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    pages = nav_pages(project.get("nav", []))
    with tempfile.TemporaryDirectory(prefix="handbook-bench-") as name:
        tmp = Path(name)
        configs = {"ours": ROOT / "mkdocs.yml", "Material default": default_config(tmp, project)}
        results = []
        for index, (label, config) in enumerate(configs.items()):
            site = tmp / f"site{index}"
            results.append(measure(label, site, build(config, site, max(1, args.runs)), pages))
    targets = report(results[0], results[1], max(1, args.runs), args.verbose)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    data = {"ours": asdict(results[0]), "material_default": asdict(results[1]), "targets": targets}
    args.json.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nJSON: {args.json}")


if __name__ == "__main__":
    main()
