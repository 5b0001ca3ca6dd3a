"""Read an HR roster CSV: decode it, check every row and the manager chain, say what to fix."""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from formserver.common.languages import N_, current_language, gettext
from formserver.common.text import clean_line
from formserver.store.people import RosterRow

EMPLOYMENT_TYPES = ("tillsvidare", "visstid", "annan")
COLUMNS = (
    *("anstallningsnummer", "namn", "epost", "enhet", "befattning"),
    *("chef_anstallningsnummer", "anstallningsform", "startdatum", "slutdatum"),
)
# The manager column is required although its value may be empty: without the column
# everyone would silently become the top of the organisation.
_OPTIONAL_COLUMNS = frozenset({"befattning", "slutdatum"})
_MISSING_HINTS = {
    "anstallningsnummer": N_("Fyll i personens anställningsnummer."),
    "namn": N_("Fyll i personens namn."),
    "epost": N_("Fyll i personens e-postadress."),
    "enhet": N_("Fyll i vilken enhet personen tillhör."),
    "anstallningsform": N_("Skriv tillsvidare, visstid eller annan."),
    "startdatum": N_("Fyll i när anställningen började, som ÅÅÅÅ-MM-DD."),
}
_LIMITS = {"anstallningsnummer": 32, "chef_anstallningsnummer": 32, "epost": 254}
_ALIASES = {t: t for t in EMPLOYMENT_TYPES} | {
    "permanent": "tillsvidare",
    "fixed-term": "visstid",
    "other": "annan",
}
_HEADER_LETTERS = str.maketrans({0xE5: "a", 0xE4: "a", 0xF6: "o"})  # å, ä, ö
_NUMBER = re.compile(r"[A-Za-z0-9-]{1,32}")
EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# Tab and line breaks are whitespace a cell may hold (Alt+Enter in Excel); any other C0/C1
# control character is invisible garbage that would end up in e-mails and pages.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_BREAKS = re.compile(r"\s*[\t\r\n]\s*")
_EMPTY = N_("Filen är tom. Välj en CSV-fil med en rubrikrad och en rad per person.")
_BAD_QUOTES = N_(
    'raden kunde inte läsas eftersom citattecknen (") inte stämmer. Kontrollera att varje '
    "värde som börjar med citattecken också slutar med ett."
)
_BAD_HEADER_QUOTES = N_(
    'rubrikraden kunde inte läsas eftersom citattecknen (") inte stämmer. Kontrollera att '
    "varje värde som börjar med citattecken också slutar med ett."
)


@dataclass(frozen=True)
class RosterError:
    """One problem for HR to fix; line 0 means the file as a whole."""

    line: int
    message: str

    def __str__(self) -> str:
        """The message as HR reads it, with the line first when there is one."""
        if not self.line:
            return self.message
        return gettext("Rad %(line)s: %(problem)s", line=self.line, problem=self.message)


@dataclass(frozen=True)
class RosterResult:
    """Rows without errors on their own line, and every error sorted by line."""

    rows: tuple[RosterRow, ...]
    errors: tuple[RosterError, ...]

    @property
    def ok(self) -> bool:
        """True when the file has no errors at all and may be imported."""
        return not self.errors


@dataclass(slots=True)
class _Parsed:
    line: int
    number: str | None
    email: str | None
    manager: str | None
    row: RosterRow | None


class _Errors(list[RosterError]):
    def add(self, line: int, message: str) -> None:
        self.append(RosterError(line, message))


def _quote(value: str) -> str:
    """Quote a value for a message, shortened so one bad cell cannot flood the page."""
    return f"”{value[:60]}…”" if len(value) > 60 else f"”{value}”"


def _decode(data: bytes) -> str | RosterError:
    """UTF-8 with or without BOM, or the error that tells HR how to save the file again."""
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return RosterError(
            0,
            gettext(
                "Filen är inte sparad som UTF-8, så tecken som å, ä och ö kan inte läsas "
                "(första felet finns på rad %(line)s). Spara om filen i Excel: välj Arkiv > "
                "Spara som och filformatet ”CSV UTF-8 (kommaavgränsad) (*.csv)”. "
                "Ladda sedan upp den nya filen.",
                line=line,
            ),
        )


def _records(text: str, delimiter: str) -> Iterator[tuple[int, list[str] | None]]:
    """Non-blank records with the physical line they start on; None for an unreadable one."""
    # newline="" keeps quoted line breaks inside their cell; strict turns stray quotes into
    # an error for that record instead of silently swallowing the rest of the file.
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=delimiter, strict=True, skipinitialspace=True
    )
    previous = 0
    while True:
        try:
            fields: list[str] | None = next(reader)
        except StopIteration:
            return
        except csv.Error:
            fields = None
        start, previous = previous + 1, reader.line_num
        if fields is None or any(field.strip() for field in fields):
            yield start, fields


def _header_cell(raw: str) -> str:
    """A header name as written, without spaces or a stray byte-order mark."""
    return raw.strip().lstrip("\ufeff").strip()


def _read_header(fields: list[str], line: int, delimiter: str, errors: _Errors) -> dict[str, int]:
    """Map column names to positions; empty when required columns are missing."""
    expected = gettext("Rubrikraden ska vara: %(columns)s", columns=delimiter.join(COLUMNS))
    columns: dict[str, int] = {}
    unknown: list[str] = []
    for index, raw in enumerate(fields):
        shown = _header_cell(raw)
        name = unicodedata.normalize("NFC", shown).lower().translate(_HEADER_LETTERS)
        name = "epost" if name == "e-post" else name
        if not name:
            continue  # Excel writes trailing delimiters; values below are checked per row
        if name not in COLUMNS:
            unknown.append(_quote(shown))
        elif name in columns:
            errors.add(
                line,
                gettext(
                    "kolumnen %(name)s finns flera gånger. Ta bort den extra kolumnen.", name=name
                ),
            )
        else:
            columns[name] = index
    if unknown:
        errors.add(
            line,
            gettext(
                "okända kolumner i rubrikraden: %(names)s. Ta bort dem.", names=", ".join(unknown)
            )
            + f" {expected}",
        )
    missing = [name for name in COLUMNS if name not in columns and name not in _OPTIONAL_COLUMNS]
    if len(missing) == 1:
        errors.add(
            line,
            gettext("kolumnen %(name)s saknas i rubrikraden.", name=missing[0]) + f" {expected}",
        )
    elif missing:
        errors.add(
            line,
            gettext("kolumnerna %(names)s saknas i rubrikraden.", names=", ".join(missing))
            + f" {expected}",
        )
    return {} if missing else columns


def _clean(raw: str) -> str | None:
    """Strip and NFC-normalise a cell; None when it holds a control character."""
    if _CONTROL.search(raw):
        return None
    if "\n" in raw or "\r" in raw or "\t" in raw:
        raw = _BREAKS.sub(" ", raw)
    value = raw.strip()
    # Bidi overrides and zero-width characters would reach pages, PDFs and CSV files.
    return value if value.isascii() else clean_line(value)


def _parse_date(column: str, value: str | None, line: int, errors: _Errors) -> date | None:
    """An ISO date; the pattern first, since fromisoformat alone also takes 20240101."""
    if not value:
        return None
    if _ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    errors.add(
        line,
        gettext(
            "%(column)s %(value)s är inte ett giltigt datum. Skriv datum som ÅÅÅÅ-MM-DD.",
            column=column,
            value=_quote(value),
        ),
    )
    return None


def _parse_row(line: int, fields: list[str], columns: dict[str, int], errors: _Errors) -> _Parsed:
    """Check every cell of one record; the row is built only when all of them are right."""
    before = len(errors)
    values: dict[str, str | None] = {}
    for column in COLUMNS:
        index = columns.get(column)
        value = _clean(fields[index]) if index is not None and index < len(fields) else ""
        limit = _LIMITS.get(column, 200)
        if value is None:
            errors.add(
                line,
                gettext(
                    "%(column)s innehåller ett osynligt styrtecken. Skriv in värdet på nytt för "
                    "hand i stället för att klistra in det.",
                    column=column,
                ),
            )
        elif not value and column in _MISSING_HINTS:
            errors.add(
                line,
                gettext("%(column)s saknas.", column=column)
                + " "
                + gettext(_MISSING_HINTS[column]),
            )
            value = None
        elif len(value) > limit:
            errors.add(
                line,
                gettext(
                    "%(column)s är för långt (%(length)s tecken). Det får vara högst %(limit)s "
                    "tecken.",
                    column=column,
                    length=len(value),
                    limit=limit,
                ),
            )
            value = None
        values[column] = value
    for column in ("anstallningsnummer", "chef_anstallningsnummer"):
        value = values[column]
        if value and not _NUMBER.fullmatch(value):
            errors.add(
                line,
                gettext(
                    "%(column)s %(value)s är inte giltigt. Det får bara innehålla bokstäverna "
                    "A–Z, siffror och bindestreck.",
                    column=column,
                    value=_quote(value),
                ),
            )
            values[column] = None
    email = values["epost"]
    if email and not EMAIL_PATTERN.fullmatch(email):
        errors.add(
            line,
            gettext(
                "epost %(value)s är inte en giltig e-postadress. Skriv adressen som "
                "namn@exempel.se, utan mellanslag.",
                value=_quote(email),
            ),
        )
        email = None
    kind = values["anstallningsform"]
    employment_type = _ALIASES.get(kind.lower()) if kind else None
    if kind and employment_type is None:
        errors.add(
            line,
            gettext(
                "anstallningsform %(value)s är inte giltig. Skriv tillsvidare, visstid eller "
                "annan.",
                value=_quote(kind),
            ),
        )
    start = _parse_date("startdatum", values["startdatum"], line, errors)
    end = _parse_date("slutdatum", values["slutdatum"], line, errors)
    if start and end and end < start:
        errors.add(
            line,
            gettext(
                "slutdatum %(end)s är före startdatum %(start)s. Rätta något av datumen.",
                end=end,
                start=start,
            ),
        )
    number, name, unit = values["anstallningsnummer"], values["namn"], values["enhet"]
    email, manager = email.lower() if email else None, values["chef_anstallningsnummer"] or None
    row = None
    if len(errors) == before and number and name and email and unit and employment_type and start:
        title = values["befattning"] or ""
        row = RosterRow(
            line, number, name, email, unit, title, manager, employment_type, start, end
        )
    return _Parsed(line, number, email, manager, row)


def _check_people(parsed: list[_Parsed], errors: _Errors) -> None:
    """Checks across rows: duplicates, unknown or own manager, and manager rings."""
    lines: dict[str, int] = {}  # the first line of each employee number
    email_lines: dict[str, int] = {}
    managers: dict[str, str | None] = {}
    for p in parsed:
        if p.number is not None and p.number in lines:
            errors.add(
                p.line,
                gettext(
                    "anstallningsnummer %(value)s finns redan på rad %(line)s. Varje person ska "
                    "finnas med en gång och ha ett eget anställningsnummer.",
                    value=_quote(p.number),
                    line=lines[p.number],
                ),
            )
        elif p.number is not None:
            lines[p.number], managers[p.number] = p.line, p.manager
        if p.email is not None and p.email in email_lines:
            errors.add(
                p.line,
                gettext(
                    "epost %(value)s finns redan på rad %(line)s. Varje person ska ha en egen "
                    "e-postadress.",
                    value=_quote(p.email),
                    line=email_lines[p.email],
                ),
            )
        elif p.email is not None:
            email_lines[p.email] = p.line
    for p in parsed:
        if p.manager is not None and p.manager == p.number:
            errors.add(
                p.line,
                gettext(
                    "personen är angiven som sin egen chef (%(value)s). Ange personens chef, "
                    "eller lämna chef_anstallningsnummer tomt om personen är högst upp i "
                    "organisationen.",
                    value=_quote(p.manager),
                ),
            )
        elif p.manager is not None and p.manager not in lines:
            errors.add(
                p.line,
                gettext(
                    "chef_anstallningsnummer %(value)s finns inte som anställningsnummer i filen. "
                    "Lägg till chefen i filen eller rätta numret.",
                    value=_quote(p.manager),
                ),
            )
    # Walk each chain upwards once, without recursion: 1 = on this walk, 2 = already walked.
    state: dict[str, int] = {}
    for first in managers:
        walk: list[str] = []
        node: str | None = first
        while node is not None and node not in state:
            state[node] = 1
            walk.append(node)
            up = managers[node]
            node = up if up != node and up in managers else None
        if node is not None and state[node] == 1:
            ring = walk[walk.index(node) :]
            for position, member in enumerate(ring):
                # Start the chain at the person on the line; long rings are shortened.
                chain = [ring[(position + step) % len(ring)] for step in range(min(len(ring), 6))]
                more = gettext("… (%(count)s personer)", count=len(ring))
                chain += [more] if len(ring) > 6 else []
                errors.add(
                    lines[member],
                    gettext(
                        "chef_anstallningsnummer bildar en ring där ingen är högst upp: %(ring)s. "
                        "Ändra chefen för någon i ringen, eller lämna fältet tomt för den som är "
                        "högst upp i organisationen.",
                        ring=" → ".join([*chain, member]),
                    ),
                )
        for member in walk:
            state[member] = 2


def parse_roster(data: bytes, max_rows: int = 200_000) -> RosterResult:
    """Parse and check an uploaded roster CSV, collecting every error HR needs to fix."""
    text = _decode(data)
    if isinstance(text, RosterError):
        return RosterResult((), (text,))
    # Swedish Excel writes ';', most other programs ','; the header line decides.
    header_line = text.lstrip().split("\n", 1)[0]
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    records = _records(text, delimiter)
    first = next(records, None)
    if first is None:  # nothing, or only whitespace and delimiters
        return RosterResult((), (RosterError(0, gettext(_EMPTY)),))
    errors = _Errors()
    line, header = first
    columns = _read_header(header, line, delimiter, errors) if header else {}
    if header is None:
        errors.add(line, gettext(_BAD_HEADER_QUOTES))
    if not columns:
        return RosterResult((), tuple(errors))
    width = len(header or ())
    unnamed = [i for i, name in enumerate(header or ()) if not _header_cell(name)]
    parsed: list[_Parsed] = []
    for line, fields in records:
        if len(parsed) >= max_rows:
            grouped = f"{max_rows:,}"  # 200 000 in Swedish, 200,000 in English
            limit = grouped.replace(",", " ") if current_language() == "sv" else grouped
            message = gettext(
                "Filen innehåller fler än %(limit)s personer, vilket är mer än tjänsten tar "
                "emot. Dela upp filen eller kontrollera att den bara har en rad per person.",
                limit=limit,
            )
            return RosterResult((), (RosterError(0, message),))
        if fields is None:
            errors.add(line, gettext(_BAD_QUOTES))
            parsed.append(_Parsed(line, None, None, None, None))
            continue
        own = _Errors()
        person = _parse_row(line, fields, columns, own)
        # An unquoted delimiter ("Berg, Anna") shifts every later value, and then only this
        # error helps; the number is kept so this person's staff get no errors of their own.
        # Extra empty values alone are trailing delimiters, harmless when the row is right.
        if any(fields[i].strip() for i in unnamed if i < len(fields)) or (
            len(fields) > width and (own or any(field.strip() for field in fields[width:]))
        ):
            errors.add(
                line,
                gettext(
                    "raden har fler värden än rubrikraden har kolumnnamn. Ta bort de extra "
                    "värdena, eller sätt citattecken runt värden som innehåller "
                    "avgränsningstecknet."
                ),
            )
            person = _Parsed(line, person.number, None, None, None)
        else:
            errors += own
        parsed.append(person)
    if not parsed:
        errors.add(
            0,
            gettext(
                "Filen innehåller inga personer. Lägg till en rad per person under rubrikraden."
            ),
        )
    _check_people(parsed, errors)
    bad = {error.line for error in errors}
    rows = tuple(p.row for p in parsed if p.row is not None and p.line not in bad)
    return RosterResult(rows, tuple(sorted(errors, key=lambda error: error.line)))
