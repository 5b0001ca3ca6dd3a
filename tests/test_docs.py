"""The README is tested against the code: every setting and every command is documented.

Conventions the README keeps (so that these tests can read it):
- settings: one row per setting in the table under "### Configuration", the first cell
  exactly `FORMSERVER_<NAME>`, the second the default as that variable would take it
  (a path relative to the project; no backticked value when the default is "not set");
- commands: a line starting `formserver <command>` in the code block under
  "### Commands for HR and IT".
"""

from __future__ import annotations

import json
import re
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import click
import pytest
from flask import Flask
from flask.cli import ScriptInfo

from formserver import create_app
from formserver.cli.main import main
from formserver.config import DEFAULTS, load_config
from formserver.paths import PROJECT_ROOT
from formserver.store import db

README = (PROJECT_ROOT / "README.md").read_text("utf-8")

# DATABASE is not in DEFAULTS: load_config derives it from the instance folder.
SETTINGS = sorted([*DEFAULTS, "DATABASE"])

# Flask's developer tools, not ways to run the service: `shell` reaches the database past
# the access rules and the audit log, and `routes` is checked by tests/test_routes.py.
UNDOCUMENTED_COMMANDS = {"routes", "shell"}


def section(heading: str) -> str:
    """The README's text under `heading`, up to the next heading of the same or a higher level."""
    level = len(heading) - len(heading.lstrip("#"))
    start = README.index(f"\n{heading}\n") + len(heading) + 2
    following = re.search(rf"^#{{1,{level}}} ", README[start:], re.M)
    return README[start : start + following.start()] if following else README[start:]


def table_rows(text: str) -> list[list[str]]:
    """The cells of each body row of the Markdown tables in `text`."""
    lines = [line.strip() for line in text.splitlines() if line.startswith("|")]
    body = [line for line in lines[1:] if not re.fullmatch(r"[|:\- ]+", line)]
    return [[cell.strip() for cell in line.strip("|").split(" | ")] for line in body]


SETTING_ROWS = table_rows(section("### Configuration"))
SETTING_CELL = re.compile(r"`FORMSERVER_([A-Z0-9_]+)`")
DOCUMENTED = {match[1]: row for row in SETTING_ROWS if (match := SETTING_CELL.fullmatch(row[0]))}
# Flask's own settings (DEBUG) may be documented too: the service reads them as well.
KNOWN = {*SETTINGS, *Flask.default_config}


def cli_commands() -> list[str]:
    """What `formserver --help` lists: the click group's own commands and the app's."""
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"TESTING": True, "DATABASE": str(Path(tmp) / "db.sqlite3")})
        info = ScriptInfo(create_app=lambda: app)
        names = main.list_commands(click.Context(main, obj=info))
        db.close_thread_connections()
    return sorted(names)


COMMANDS = cli_commands()
COMMAND_LINES = section("### Commands for HR and IT")
DOCUMENTED_COMMANDS = set(re.findall(r"^formserver ([a-z][a-z-]*)", COMMAND_LINES, re.M))


@pytest.mark.parametrize("name", SETTINGS)
def test_setting_is_documented(name: str) -> None:
    if name not in DOCUMENTED:
        pytest.fail(f"README: add a row for `FORMSERVER_{name}` under Configuration")


def test_every_configuration_row_is_one_setting_of_the_service() -> None:
    first_cells = [row[0] for row in SETTING_ROWS]
    assert [cell for cell in first_cells if not SETTING_CELL.fullmatch(cell)] == []
    assert sorted({cell for cell in first_cells if first_cells.count(cell) > 1}) == []
    assert sorted(set(DOCUMENTED) - KNOWN) == [], "no such setting"
    assert [row[0] for row in SETTING_ROWS if len(row) != 3 or not all(row)] == [], (
        "each row: setting | default | what it does"
    )


def effective_defaults(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """app.config as load_config leaves it with nothing configured."""
    for variable in ("FLASK_DEBUG", "FORMSERVER_SITE_CONFIG_DIR"):
        monkeypatch.delenv(variable, raising=False)
    app = Flask("formserver.app", instance_relative_config=True)
    load_config(app, {})
    return dict(app.config)


def as_environment_value(value: Any) -> Any:
    """`value` as a FORMSERVER_ variable spells it: durations in seconds, paths relative."""
    if isinstance(value, timedelta):
        return int(value.total_seconds())
    if isinstance(value, str) and Path(value).is_absolute():
        return Path(value).relative_to(PROJECT_ROOT).as_posix()
    return value


@pytest.mark.parametrize("name", sorted(set(DOCUMENTED) & KNOWN))
def test_documented_default_is_the_code_default(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    default = as_environment_value(effective_defaults(monkeypatch)[name])
    written = re.search(r"`([^`]*)`", DOCUMENTED[name][1])
    if default is None:
        assert written is None, f"{name}: the default is not set, README says {written.group(0)}"
        return
    assert written, f"{name}: README gives no default, the code's is {default!r}"
    try:
        # As Flask's from_prefixed_env reads a variable: JSON if it parses, else the text.
        documented = json.loads(written.group(1))
    except ValueError:
        documented = written.group(1).rstrip("/")
    assert documented == default


@pytest.mark.parametrize("command", sorted(set(COMMANDS) - UNDOCUMENTED_COMMANDS))
def test_command_is_documented(command: str) -> None:
    if command not in DOCUMENTED_COMMANDS:
        pytest.fail(f"README: add `formserver {command}` to the commands for HR and IT")


def test_documented_commands_exist_and_exceptions_are_current() -> None:
    assert sorted(DOCUMENTED_COMMANDS - set(COMMANDS)) == []
    assert UNDOCUMENTED_COMMANDS <= set(COMMANDS)
    assert not UNDOCUMENTED_COMMANDS & DOCUMENTED_COMMANDS


TREE = section("## For developers: the house")
TREE_FOLDERS = set(re.findall(r"^([a-z_]+/(?:[a-z_]+/)*) ", TREE, re.M))


def test_the_readme_tree_shows_every_folder_of_the_package() -> None:
    package = PROJECT_ROOT / "formserver"
    folders = {
        f"{p.relative_to(PROJECT_ROOT).as_posix()}/"
        for p in [package, *package.rglob("*")]
        if p.is_dir() and (p / "__init__.py").exists()
    }
    assert sorted(folders - TREE_FOLDERS) == [], "README: add these folders to the tree"


def test_every_folder_in_the_readme_tree_exists() -> None:
    assert sorted(f for f in TREE_FOLDERS if not (PROJECT_ROOT / f).is_dir()) == []


@pytest.mark.parametrize("place", ["formserver/access.py", "formserver/store/audit.py"])
def test_the_readme_names_where_rules_and_audit_live(place: str) -> None:
    assert f"`{place}`" in TREE
    assert (PROJECT_ROOT / place).is_file()
