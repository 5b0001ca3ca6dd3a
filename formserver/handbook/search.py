"""One search index per language: the Swedish pages' at search/, the English pages' at en/search/.

mkdocs-static-i18n builds the languages one after the other into one site folder, and each
build's search plugin writes search/search_index.json; the plugin then puts every language's
entries in that one file (its `reconfigure_search: false` does not stop that). A Swedish reader
would find English pages and the other way round, all stemmed in both languages. So each
language's build stems its index for its own language (`set_language`), and after each build
`split_index` moves that language's entries into its own folder. English pages fetch theirs
from en/search/ (templates/handbook/theme/main.html points their "base" there).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

INDEX = Path("search") / "search_index.json"


def set_language(config: Any, language: str) -> None:
    """Stem this build's search index for `language` (lunr's own stemmer for "en")."""
    for name in ("material/search", "search"):
        plugin = config["plugins"].get(name)
        if plugin is not None:
            plugin.config.lang = [language]


def _write(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), "utf-8")


def split_index(site_dir: Path, language: str, default: str) -> None:
    """Keep only `language`'s pages in its index: at the root for `default`, else moved to
    `<language>/search/` with locations relative to that folder."""
    path = site_dir / INDEX
    if not path.exists():
        return
    data = json.loads(path.read_text("utf-8"))
    data["config"]["lang"] = [language]
    if language == default:
        # Every other language lives in a folder named by its code ("en/…").
        data["docs"] = [
            doc for doc in data["docs"] if not _in_language_folder(site_dir, doc["location"])
        ]
        _write(path, data)
        return
    prefix = f"{language}/"
    data["docs"] = [
        {**doc, "location": doc["location"].removeprefix(prefix)}
        for doc in data["docs"]
        if doc["location"].startswith(prefix)
    ]
    _write(site_dir / language / INDEX, data)


def _in_language_folder(site_dir: Path, location: str) -> bool:
    first = location.split("/", 1)[0]
    return len(first) == 2 and (site_dir / first / INDEX).exists()
