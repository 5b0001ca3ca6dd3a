"""Every text the service shows comes from the catalogue, and each has its English translation.

Three checks, from the outside of the code: (1) Babel's own extractor, run over the package and
the templates as `pybabel extract` runs it (babel.cfg), finds no msgid without a finished English
translation; (2) no service template has readable text outside `{% trans %}` or `_()`; (3) no
Swedish string literal in the views, forms and services is shown without passing gettext.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from jinja2 import Environment

from formserver.paths import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "formserver"
TEMPLATES = PROJECT_ROOT / "templates"
CATALOGUE = PACKAGE / "translations/en/LC_MESSAGES/messages.po"
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "_lp": ((1, "c"), 2)}


def test_every_message_has_a_finished_english_translation() -> None:
    with (PROJECT_ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    with CATALOGUE.open("rb") as po:
        catalogue = read_po(po)
    extracted = {
        (message, context)
        for _, _, message, _, context in extract_from_dir(
            PROJECT_ROOT, method_map, options_map, keywords=KEYWORDS
        )
    }
    assert len(extracted) > 400  # the extractor found the texts (a broken babel.cfg finds none)
    untranslated = []
    for message, context in extracted:  # a context (_lp) keeps its own entry
        msgid = message[0] if isinstance(message, tuple) else message
        entry = catalogue.get(message if isinstance(message, str) else msgid, context)
        strings = (
            entry.string if entry and isinstance(entry.string, tuple) else (entry and entry.string,)
        )
        if entry is None or entry.fuzzy or not all(strings):
            untranslated.append(msgid)
    assert sorted(untranslated) == []


def test_the_catalogue_keeps_the_placeholders_of_each_text() -> None:
    with CATALOGUE.open("rb") as po:
        catalogue = read_po(po)
    placeholder = re.compile(r"%\((\w+)\)s|<[^>]+>")
    wrong = [
        entry.id
        for entry in catalogue
        if entry.id
        and sorted(placeholder.findall(str(entry.id))) != sorted(placeholder.findall(entry.string))
    ]
    assert wrong == []


# --- templates --------------------------------------------------------------------------------

GETTEXT_NAMES = {"_", "gettext", "ngettext"}
VISIBLE_ATTRIBUTES = {"aria-label", "title", "alt", "placeholder", "label"}
LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)
# Markers for what the template engine fills in: digits, never letters, so never reported as
# text, and valid inside a tag name (<h{{ level }}> reads as <h0>).
HOLE, TRANSLATED = "0", "1"


def service_templates() -> list[str]:
    """Every template of the service's pages (the handbook's theme belongs to MkDocs)."""
    return sorted(
        str(p.relative_to(TEMPLATES))
        for p in TEMPLATES.rglob("*.html")
        if p.relative_to(TEMPLATES).parts[0] != "handbook"
    )


class _TextFinder(HTMLParser):
    """Readable text and visible attribute values in HTML whose Jinja parts are markers."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in VISIBLE_ATTRIBUTES and value and LETTERS.search(value):
                self.found.append(f"{name}={value!r}")

    def handle_data(self, data: str) -> None:
        if LETTERS.search(data):
            self.found.append(data.strip(f" \n\t{HOLE}{TRANSLATED}"))


def _tokens(source: str) -> Iterator[tuple[int, str, str]]:
    env = Environment(extensions=["jinja2.ext.i18n"])
    yield from env.lex(source)


def untranslated_in_template(source: str) -> list[str]:
    """Text outside {% trans %} and _(), and string literals with words outside _()."""
    markup: list[str] = []
    found: list[str] = []
    in_trans = False
    block: list[tuple[str, str]] = []
    expression: list[tuple[str, str]] = []
    for _, kind, value in _tokens(source):
        if kind == "block_begin":
            block = []
        elif kind == "block_end":
            names = [v for k, v in block if k == "name"]
            if names[:1] == ["trans"]:
                in_trans = True
                markup.append(TRANSLATED)
            elif names[:1] == ["endtrans"]:
                in_trans = False
        elif kind == "data":
            if not in_trans:
                markup.append(value)
        elif kind in ("variable_end", "comment_end"):
            if not in_trans:
                markup.append(HOLE)
        if kind not in ("data", "block_begin", "block_end"):
            block.append((kind, value))
        if kind in ("variable_begin", "block_begin"):
            expression = []
        elif kind not in ("whitespace",):
            text = value[1:-1] if kind == "string" else ""
            if text and _reads_as_text(text) and not _is_gettext_argument(expression):
                found.append(f"string {text!r}")
            expression.append((kind, value))
    finder = _TextFinder()
    finder.feed("".join(markup))
    return found + finder.found


def _reads_as_text(value: str) -> bool:
    """A literal with words in it (identifiers, paths, CSS classes and formats are not)."""
    return bool(re.search(r"[åäöÅÄÖ]|[A-Za-z]+ [a-z]|^[A-ZÅÄÖ][a-zåäö]+$", value))


def _is_gettext_argument(expression: list[tuple[str, str]]) -> bool:
    """Whether the tokens so far end in `_(` (or gettext/ngettext, plural's second string)."""
    significant = [(k, v) for k, v in expression if k != "whitespace"]
    if len(significant) >= 2 and significant[-1] == ("operator", "("):
        return significant[-2][1] in GETTEXT_NAMES
    if len(significant) >= 4 and significant[-1] == ("operator", ","):
        return significant[-4][1] == "ngettext"
    return False


@pytest.mark.parametrize("name", service_templates())
def test_no_template_text_outside_the_catalogue(name: str) -> None:
    source = (TEMPLATES / name).read_text(encoding="utf-8")
    assert untranslated_in_template(source) == []


def test_the_template_check_finds_text_outside_the_catalogue() -> None:
    # The checker itself: a heading, an attribute and a literal outside _() are each found.
    source = (
        '{% set title = "Logga in" %}<h1 aria-label="Rubrik">Hej {{ name }}</h1>'
        "{% trans %}Inloggad som {{ name }}{% endtrans %}{{ _('Logga ut') }}"
    )
    assert untranslated_in_template(source) == [
        "string 'Logga in'",
        "aria-label='Rubrik'",
        "Hej",
    ]


# --- Python -----------------------------------------------------------------------------------

SCANNED = [
    "formserver/views",
    "formserver/forms",
    "formserver/services",
    "formserver/access.py",
    "formserver/documents",
    "formserver/recordkeeping/audit_texts.py",
    "formserver/recordkeeping/person_export.py",
    "formserver/store/reminders.py",
]
GETTEXT_CALLS = {
    *("_", "_l", "_lp", "N_", "gettext", "ngettext", "pgettext"),
    *("lazy_gettext", "lazy_ngettext", "lazy_pgettext"),
}
# Literals that no user reads on a page: audit details (codes and short Swedish notes in the
# audit log, read through audit_texts), log lines and exception arguments for the log.
NOT_SHOWN_CALLS = {"audit", "audit_read", "event", "Event", "replace", "info", "warning", "error"}
SWEDISH = re.compile(r"[åäöÅÄÖ]")
# Swedish literals that no user reads in the service, by file and the call they are the argument
# of (or the literal's start), each with why: messages for admins and the log, never a page.
NOT_SHOWN_IN: dict[tuple[str, str], str] = {
    ("formserver/documents/seal.py", "SealConfigError"): (
        "a seal setting to fix: stops start-up or `formserver check`, read by the admin"
    ),
    ("formserver/documents/seal.py", "SealError"): (
        "logged and kept as the plan.seal audit detail; the user reads SEAL_FAILED_TEXT"
    ),
    ("formserver/documents/invitations.py", "ValueError"): (
        "a naive datetime from the code: a programming error, never a user's"
    ),
    ("formserver/documents/plan_record.py", "den senaste versionen som båda"): (
        "a ChainBroken reason: the audit detail and `formserver verify` output for the admin"
    ),
    ("formserver/recordkeeping/person_export.py", "Refused"): (
        "`formserver export-person` (an admin's command) reports an unknown address"
    ),
}


def _python_files() -> list[Path]:
    files: list[Path] = []
    for entry in SCANNED:
        path = PROJECT_ROOT / entry
        files.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    return files


def _call_name(node: ast.AST) -> str:
    if isinstance(node, ast.Call):
        func = node.func
        return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
    return ""


def swedish_literals_outside_gettext(path: Path) -> list[str]:
    """Swedish string literals that are not docstrings and not the argument of gettext."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    docstrings = {
        node.body[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Constant) or not isinstance(node.value, str):
            continue
        if node in docstrings or not SWEDISH.search(node.value):
            continue
        ancestor: ast.AST | None = parents.get(node)
        while ancestor is not None and not isinstance(ancestor, ast.Call | ast.stmt):
            ancestor = parents.get(ancestor)
        if _call_name(ancestor) in GETTEXT_CALLS | NOT_SHOWN_CALLS if ancestor else False:
            continue
        relative = str(path.relative_to(PROJECT_ROOT))
        if (relative, _call_name(ancestor)) in NOT_SHOWN_IN or any(
            file == relative and node.value.startswith(start) for file, start in NOT_SHOWN_IN
        ):
            continue
        found.append(f"{relative}:{node.lineno}: {node.value[:60]!r}")
    return found


def test_no_swedish_literal_in_views_forms_or_services_escapes_gettext() -> None:
    found = [line for path in _python_files() for line in swedish_literals_outside_gettext(path)]
    assert found == []
