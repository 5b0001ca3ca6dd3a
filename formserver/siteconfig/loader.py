"""Load `site_config/` from YAML, keeping line numbers, and validate it completely."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import yaml

from formserver.siteconfig.errors import ConfigError, Problem
from formserver.siteconfig.model import (
    ANSWER_KINDS,
    COLUMN_KINDS,
    LANGUAGES,
    POLICIES,
    SOURCE_LANGUAGE,
    Column,
    Eligibility,
    Grid,
    Organisation,
    PlanTemplate,
    Policies,
    Question,
    QuestionSet,
    ReminderPolicy,
    Scale,
    Section,
    SiteConfig,
    Source,
    Translation,
)
from formserver.siteconfig.reader import LineLoader, Reader, unique

T = TypeVar("T")


def _read_question(r: Reader) -> Question:
    question = Question(
        id=r.identifier(),
        text=r.translated_text("text"),
        kind=r.choice("kind", ANSWER_KINDS),
        help=r.translated_text("help", required=False),
        points_intro=r.translated_text("points_intro", required=False),
        points=r.translated_texts("points"),
        note=r.translated_text("note", required=False),
    )
    r.finish()
    return question


def _read_section(r: Reader) -> Section:
    ident, title = r.identifier(), r.translated_text("title")
    policy = r.choice("policy", POLICIES)
    readers = r.children("questions", required=policy != "never")
    if policy == "never" and readers:
        r.fail(
            "questions",
            "Ett avsnitt med policy never ska inte dokumenteras och får därför inga svarsfält. "
            "Skriv samtalsstödet under points i stället.",
        )
    questions = tuple(_read_question(q) for q in readers)
    section = Section(
        id=ident,
        title=title,
        policy=policy,
        intro=r.translated_text("intro", required=False),
        points=r.translated_texts("points"),
        questions=questions if policy != "never" else (),
        documentation_note=r.translated_text("documentation_note", required=False),
        manager_note=r.translated_text("manager_note", required=False),
    )
    r.finish()
    return section


def _read_scale(r: Reader) -> Scale:
    low, high = r.integer("min"), r.integer("max")
    if high <= low:
        r.fail("max", f"Ska vara större än min ({low}).")
    labels_reader = r.child("labels")
    labels: dict[int, str] = {}
    for key, value in labels_reader.data.items():
        labels_reader.seen.add(key)
        if not isinstance(key, int) or not low <= key <= high or not isinstance(value, str):
            labels_reader.fail(str(key), f"Ska vara ett steg {low}–{high} med en text.")
        else:
            labels[key] = value
    labels = r.translated_labels("labels", labels)
    r.finish()
    return Scale(min=low, max=high, labels=labels)


def read_question_set(r: Reader) -> QuestionSet:
    """Build a question set from its YAML mapping, recording problems on the reader."""
    languages = r.languages()
    ident = r.identifier()
    version = r.integer("version", minimum=1)
    title, source = r.translated_text("title"), r.identifier("source")
    plan, intro = r.identifier("plan_template"), r.translated_text("intro", required=False)
    scale = _read_scale(r.child("scale")) if "scale" in r.data else None
    r.seen.add("scale")
    section_readers = r.children("sections")
    sections = tuple(_read_section(s) for s in section_readers)
    unique(section_readers, [s.id for s in sections], "Avsnittet")
    question_readers = [q for s in section_readers for q in s.children("questions", False)]
    all_questions = [q for s in sections for q in s.questions]
    unique(question_readers[: len(all_questions)], [q.id for q in all_questions], "Frågan")
    if scale is None:
        for reader, question in zip(question_readers, all_questions, strict=False):
            if question.kind == "scale":
                reader.fail("kind", "Frågan är en skattning, men formuläret har ingen scale.")
    r.finish()
    return QuestionSet(
        ident, version, title, source, plan, intro, sections, scale, languages, r.language
    )


def read_plan_template(r: Reader) -> PlanTemplate:
    """Build a plan template from its YAML mapping, recording problems on the reader."""
    languages = r.languages()
    ident = r.identifier()
    version = r.integer("version", minimum=1)
    title, source = r.translated_text("title"), r.identifier("source")
    intro, header_fields = r.translated_text("intro", False), r.translated_texts("header_fields")
    grid_readers = r.children("grids")
    grids = []
    for g in grid_readers:
        column_readers = g.children("columns")
        columns = []
        for c in column_readers:
            columns.append(
                Column(
                    id=c.identifier(),
                    label=c.translated_text("label"),
                    kind=c.choice("kind", COLUMN_KINDS),
                    group=c.translated_text("group", required=False),
                    help=c.translated_text("help", required=False),
                )
            )
            c.finish()
        unique(column_readers, [c.id for c in columns], "Kolumnen")
        grids.append(
            Grid(
                g.identifier(),
                g.translated_text("title"),
                tuple(columns),
                g.integer("blank_rows", 1),
            )
        )
        g.finish()
    unique(grid_readers, [g.id for g in grids], "Tabellen")
    template = PlanTemplate(
        ident,
        version,
        title,
        source,
        intro,
        header_fields,
        tuple(grids),
        footer=r.translated_text("footer", required=False),
        signatures=r.translated_texts("signatures"),
        languages=languages,
        language=r.language,
    )
    r.finish()
    return template


def _read_organisation(r: Reader) -> Organisation:
    org = Organisation(
        name=r.text("name"),
        public_sector=r.boolean("public_sector"),
        form_service_url=r.text("form_service_url"),
        handbook_url=r.text("handbook_url"),
        contact_email=r.text("contact_email"),
        default_question_set=r.identifier("default_question_set"),
        routine_owner=r.text("routine_owner"),
        **_read_languages(r),
    )
    r.finish()
    return org


# The languages the service has catalogues for (formserver/translations/).
KNOWN_LANGUAGES = ("sv", "en")


def _read_languages(r: Reader) -> dict[str, Any]:
    """`languages` (default [sv]) and `default_language` (default the first offered)."""
    offered = r.texts("languages") if "languages" in r.data else ("sv",)
    for index, code in enumerate(offered):
        if code not in KNOWN_LANGUAGES:
            r.problems.append(
                Problem(
                    r.file,
                    r.line_of("languages"),
                    f"{r.field('languages')}[{index + 1}]",
                    f"”{code}” är inte ett språk som tjänsten har. Tillgängliga språk: "
                    f"{', '.join(KNOWN_LANGUAGES)}.",
                )
            )
    if not offered and "languages" in r.data:
        r.fail("languages", "Listan är tom. Lägg till minst ett språk, till exempel sv.")
    if len(set(offered)) != len(offered):
        r.fail("languages", "Samma språk står flera gånger. Skriv varje språk en gång.")
    languages = tuple(code for code in dict.fromkeys(offered) if code in KNOWN_LANGUAGES)
    default = r.text("default_language", required=False) or (languages or ("sv",))[0]
    if languages and default not in languages:
        r.fail(
            "default_language",
            f"”{default}” finns inte bland languages ({', '.join(languages)}). Välj ett av dem.",
        )
    return {"languages": languages or ("sv",), "default_language": default}


def _read_policies(r: Reader) -> Policies:
    r.languages()
    e = r.child("eligibility")
    eligibility = Eligibility(
        permanent=e.boolean("permanent"),
        fixed_term_min_months=e.integer("fixed_term_min_months"),
        other=e.boolean("other"),
    )
    e.finish()
    rem = r.child("reminders")
    reminders = ReminderPolicy(
        preparation_days_before=rem.integer("preparation_days_before", 1),
        unsigned_days_after=rem.integer("unsigned_days_after", 1),
        not_called_weeks=rem.integer("not_called_weeks", 1),
    )
    rem.finish()
    policies = Policies(
        eligibility,
        r.integer("call_notice_days"),
        r.integer("retention_years", 1),
        talk_period=r.translated_text("talk_period"),
        plans_handed_over_to=r.translated_text("plans_handed_over_to", required=False),
        violence_routine=r.translated_text("violence_routine"),
        reminders=reminders,
        managers_may_add_short_employments=r.boolean("managers_may_add_short_employments"),
    )
    r.finish()
    return policies


def _read_sources(r: Reader) -> dict[str, Source]:
    r.languages()
    readers = r.children("sources")
    sources = []
    for s in readers:
        sources.append(
            Source(
                id=s.identifier(),
                organisation=s.translated_text("organisation"),
                title=s.translated_text("title"),
                note=s.translated_text("note", required=False),
                url=s.text("url", required=False),
            )
        )
        s.finish()
    unique(readers, [s.id for s in sources], "Källan")
    r.finish()
    return {s.id: s for s in sources}


def _parse(path: Path, display: str, problems: list[Problem]) -> Any:
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.load(handle, Loader=LineLoader)  # noqa: S506 - a SafeLoader subclass
    except FileNotFoundError:
        problems.append(Problem(display, None, "", "Filen saknas."))
    except UnicodeDecodeError:
        problems.append(Problem(display, None, "", "Filen är inte sparad som UTF-8."))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        line = mark.line + 1 if mark else None
        problems.append(Problem(display, line, "", f"Filen är inte giltig YAML: {error.problem}."))
    return None


def _read_file(
    root: Path, relative: str, problems: list[Problem], build: Callable[[Reader], T]
) -> dict[str, T] | None:
    """One valid file, by language: Swedish, then each other language the file offers."""
    display = f"{root.name}/{relative}"
    data = _parse(root / relative, display, problems)
    if data is None:
        return None
    before = len(problems)
    reader = Reader(problems, display, data, "", 1)
    versions = {SOURCE_LANGUAGE: build(reader)}
    # Read again in each other language only when the Swedish reads cleanly: the second
    # reading then can only find missing or unknown translations, never the same problem twice.
    for language in reader.offered if len(problems) == before else ():
        if language != SOURCE_LANGUAGE:
            versions[language] = build(Reader(problems, display, data, "", 1, language))
    return versions if len(problems) == before else None


def _read_folder(
    root: Path, folder: str, problems: list[Problem], build: Callable[[Reader], T]
) -> dict[str, dict[str, T]]:
    """Read every `*.yml` of a folder into valid items by id (each by language); a file's id
    must be its name."""
    found: dict[str, dict[str, T]] = {}
    for path in sorted((root / folder).glob("*.yml")):
        item = _read_file(root, f"{folder}/{path.name}", problems, build)
        ident = getattr(item[SOURCE_LANGUAGE], "id", None) if item else None
        if item is not None and ident != path.stem:
            problems.append(
                Problem(
                    f"{root.name}/{folder}/{path.name}",
                    None,
                    "id",
                    f"id ”{ident}” ska vara samma som filens namn (”{path.stem}”).",
                )
            )
        elif item is not None:
            found[path.stem] = item
    if not any((root / folder).glob("*.yml")):
        problems.append(Problem(f"{root.name}/{folder}", None, "", "Mappen har inga .yml-filer."))
    return found


def _check_references(
    root: Path,
    org: Organisation,
    sources: dict[str, Source],
    sets: dict[str, QuestionSet],
    templates: dict[str, PlanTemplate],
) -> list[Problem]:
    """Problems with ids that refer to something no file defines."""
    problems: list[Problem] = []

    def check(file: str, field: str, kind: str, value: str, known: dict[str, Any]) -> None:
        if value not in known:
            names = ", ".join(sorted(known)) or "inga"
            message = f"{kind} ”{value}” finns inte. Det finns: {names}."
            problems.append(Problem(f"{root.name}/{file}", None, field, message))

    check(
        "organisation.yml",
        "default_question_set",
        "Frågeunderlaget",
        org.default_question_set,
        sets,
    )
    for qs in sets.values():
        file = f"question_sets/{qs.id}.yml"
        check(file, "source", "Källan", qs.source, sources)
        check(file, "plan_template", "Planmallen", qs.plan_template, templates)
    for pt in templates.values():
        check(f"plan_templates/{pt.id}.yml", "source", "Källan", pt.source, sources)
    return problems


def _translations(
    policies: dict[str, Policies],
    sources: dict[str, dict[str, Source]],
    sets: dict[str, dict[str, QuestionSet]],
    templates: dict[str, dict[str, PlanTemplate]],
) -> dict[str, Translation]:
    """The texts in each other language, for the languages at least one file offers."""
    found = {}
    for language in LANGUAGES:
        files: list[dict[str, Any]] = [policies, sources, *sets.values(), *templates.values()]
        if language == SOURCE_LANGUAGE or not any(language in read for read in files):
            continue
        found[language] = Translation(
            question_sets={i: v[language] for i, v in sets.items() if language in v},
            plan_templates={i: v[language] for i, v in templates.items() if language in v},
            sources=sources.get(language),
            policies=policies.get(language),
        )
    return found


def load_site_config(root: Path) -> SiteConfig:
    """Load and validate every file in `root`; raise ConfigError listing all problems."""
    root = Path(root)
    problems: list[Problem] = []
    org = (_read_file(root, "organisation.yml", problems, _read_organisation) or {}).get("sv")
    policies_read = _read_file(root, "policies.yml", problems, _read_policies) or {}
    sources_read = _read_file(root, "sources.yml", problems, _read_sources) or {}
    sets_read = _read_folder(root, "question_sets", problems, read_question_set)
    templates_read = _read_folder(root, "plan_templates", problems, read_plan_template)
    policies, sources = policies_read.get("sv"), sources_read.get("sv", {})
    sets = {ident: versions["sv"] for ident, versions in sets_read.items()}
    templates = {ident: versions["sv"] for ident, versions in templates_read.items()}
    # References are checked once every file reads cleanly: a broken file would otherwise
    # also show up as a confusing "does not exist" wherever it is referred to.
    if org is not None and not problems:
        problems = _check_references(root, org, sources, sets, templates)
    if problems or org is None or policies is None:
        raise ConfigError(problems)
    translations = _translations(policies_read, sources_read, sets_read, templates_read)
    return SiteConfig(root, org, policies, sources, sets, templates, translations)
