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
import functools
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import timeit
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import harness
import yaml

from formserver.handbook.markers import CSS_URL, external_assets

ROOT = harness.ROOT
PAGE, SECOND_PAGE = "genomfor/index.html", "forbered/index.html"
SECOND_PAGE_LIMIT = 8192
ASSET_RELS = {"stylesheet", "preconnect", "preload", "icon"}
HOOK_WRAPPER = '''"""The handbook's hook minus its post-build gate; written by bench/handbook.py."""
import sys

sys.path.insert(0, {root!r})
from formserver.handbook.hook import on_config, on_page_markdown  # noqa: E402, F401
'''
PARTS = ("html", "css", "js", "search")
TABLE = (  # label, figure, unit (KB: gzip bytes / 1024)
    ("First load, same-origin (gzip)", "first_load", "KB"),
    *((f"  {part}", part, "KB") for part in PARTS),
    ("Second page (gzip, HTML only)", "second_page", "KB"),
    ("Third-party requests", "third_party_requests", ""),
    ("Build time (median)", "build_seconds", "s"),
    ("Pages", "pages", ""),
    ("Site total, html/css/js/json (gzip)", "site_gzip", "KB"),
)
COLUMNS = "={label}; ours={ours}; Material default={default}; ours/default={ratio}"


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
    names = ("site_name", "site_description", "copyright")
    config: dict[str, Any] = {key: project[key] for key in names if key in project}
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


def build(config: Path, site: Path) -> None:
    """Build the site once with `python -m mkdocs build`; stop on failure."""
    command = [sys.executable, "-m", "mkdocs", "build", "--clean", "--config-file", str(config)]
    env = os.environ | {"NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run(
        [*command, "--site-dir", str(site)], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        sys.exit(f"mkdocs build failed for {config.name} (exit {done.returncode}):\n{tail}")


def search_assets(site: Path, page: str, config: dict[str, Any]) -> list[Path]:
    """The files a first search loads: the index, the worker and the worker's lunr languages."""
    index = site / "search" / "search_index.json"
    worker = local(site, page, str(config.get("search", ""))) if config.get("search") else None
    workers = [worker] if worker and worker.is_file() else []
    # Our worker (search-sv.js) loads Material's, named in its query string.
    inner = urlsplit(str(config.get("search", ""))).query
    workers += [worker.parent / inner] if worker and inner else []
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


def measure(site: Path, times: list[float], pages: list[str]) -> dict[str, Any]:
    """Measure the built site: first load, second page, third-party requests, totals."""
    page = PAGE if (site / PAGE).is_file() else pages[0]
    second = SECOND_PAGE if (site / SECOND_PAGE).is_file() else next(p for p in pages if p != page)
    parser = PageParser()
    parser.feed((site / page).read_text(encoding="utf-8"))
    config: dict[str, Any] = json.loads(parser.config) if parser.config.strip() else {}
    files: dict[str, tuple[str, Path]] = {page: ("html", site / page)}
    for kind, url in parser.urls:
        if kind and (path := local(site, page, url)) and path.is_file():
            files[str(path.relative_to(site))] = (kind, path)
    for kind, path in list(files.values()):
        for url in CSS_URL.findall(path.read_text(encoding="utf-8")) if kind == "css" else []:
            target = local(site, str(path.relative_to(site)), url)
            if target and target.suffix == ".css" and target.is_file():
                files.setdefault(str(target.relative_to(site)), ("css", target))
    for path in search_assets(site, page, config):
        files[str(path.relative_to(site))] = ("search", path)
    external = sorted({url.strip() for file, url in external_assets(site) if file in files})
    sizes = {rel: gz(path.read_bytes()) for rel, (_, path) in files.items() if path.is_file()}
    parts = dict.fromkeys(PARTS, 0)
    for rel, (kind, _) in files.items():
        parts[kind] += sizes.get(rel, 0)
    built = [p for p in site.rglob("*") if p.is_file()]
    figures: dict[str, Any] = {"page": page, "second_page_path": second, "third_party": external}
    figures |= {"build_seconds": statistics.median(times), "build_runs": times}
    figures |= {
        "first_load": sum(sizes.values()),
        **parts,
        "second_page": gz((site / second).read_bytes()),
    }
    figures["third_party_requests"] = len(external)
    figures["pages"] = sum(1 for p in built if p.suffix == ".html" and p.name != "404.html")
    gzipped = (".html", ".css", ".js", ".json")
    figures["site_gzip"] = sum(gz(p.read_bytes()) for p in built if p.suffix in gzipped)
    return figures | {"first_load_files": sizes}


def report(ours: dict[str, Any], default: dict[str, Any], verbose: bool) -> None:
    """Print the side-by-side table, the third-party hosts and (verbose) the first-load files."""
    print(f"Handbook benchmark: page {ours['page']}, second page {ours['second_page_path']}\n")
    shown = {"KB": "{:.1f} KB", "s": "{:.2f} s", "": "{:.0f}"}
    scale = {"KB": 1024}
    rows = [
        {"label": label, "ratio": f"{ours[key] / default[key]:.2f}" if default[key] else "-"}
        | {
            name: shown[unit].format(r[key] / scale.get(unit, 1))
            for name, r in (("ours", ours), ("default", default))
        }
        for label, key, unit in TABLE
    ]
    harness.print_table(COLUMNS, rows)
    for name, result in (("ours", ours), ("Material default", default)):
        for url in result["third_party"]:
            print(f"  third-party ({name}): {urlsplit(url).hostname or '?'}  {url}")
    print("  Font files that the Google Fonts CSS would pull in are not counted (offline run),")
    print("  so the default's third-party figure is a lower bound.")
    for name, result in (("ours", ours), ("Material default", default)) if verbose else ():
        print(f"\nFirst-load files ({name}):")
        for rel, size in result["first_load_files"].items():
            print(f"  {size:>9} B  {rel}")


def main() -> None:
    """Build both sites, measure them, print the table and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=3, help="builds per site (median is reported)")
    parser.add_argument("--verbose", action="store_true", help="list the first-load files")
    parser.add_argument("--json", type=Path, default=harness.RESULTS_DIR / "handbook.json")
    args = parser.parse_args()
    project: dict[str, Any] = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="handbook-bench-") as name:
        tmp, results = Path(name), []
        for index, config in enumerate((ROOT / "mkdocs.yml", default_config(tmp, project))):
            site, build_once = (
                tmp / f"site{index}",
                functools.partial(build, config, tmp / f"site{index}"),
            )
            times = timeit.repeat(build_once, number=1, repeat=max(1, args.runs))
            results.append(measure(site, times, nav_pages(project.get("nav", []))))
    ours, default = results
    report(ours, default, args.verbose)
    targets = [
        harness.Target("third-party requests", ours["third_party_requests"], 0),
        harness.Target(
            "first load vs the default's",
            ours["first_load"] / 1024,
            default["first_load"] / 1024,
            "KB",
        ),
        harness.Target(
            "second page (gzip)", ours["second_page"] / 1024, SECOND_PAGE_LIMIT / 1024, "KB"
        ),
    ]
    results_json = {
        "ours": ours,
        "material_default": default,
        "targets": harness.print_targets(targets),
    }
    harness.write_json(args.json, "handbook", results_json)


if __name__ == "__main__":
    main()
