"""The handbook fragments' own fixed words, per language: headings, policy boxes, credits.

The texts from site_config (questions, columns, titles) come from the localized SiteConfig;
these are the words around them. Placeholders are filled by `words(language)["key"]` in
the templates through Markup.format, which escapes every value put in.
"""

from __future__ import annotations

from types import MappingProxyType

_SV = {
    "documentation": "Dokumentation",
    "policy_documented": "Dokumenteras i samtalet.",
    "policy_optional": "Behöver inte dokumenteras.",
    "policy_never": (
        "Avsnittet är samtalsstöd och dokumenteras inte i medarbetarsamtalet. I formulärtjänsten "
        "har det inget fält."
    ),
    "rate": "Skatta från {low} till {high}:",
    "yes_or_no": "Svara ja eller nej.",
    "yes_no_boxes": "☐ Ja ☐ Nej",
    "to_the_manager": "Till dig som chef",
    "set_credit": "Källa: ”{title}”, {organisation}. Frågeunderlag ”{name}”, version {version}.",
    "public_record": " Det som skrivs ner kan bli en allmän handling.",
    "plan_details": "Uppgifter om samtalet",
    "blank_grid": "{title} – tom mall att fylla i",
    "signatures": "Underskrifter",
    "signature": "Underskrift",
    "date": "Datum",
    "name_signed": "Namnteckning",
    "plan_credit": "Källa: ”{title}”, {organisation}. Planmall ”{name}”, version {version}.",
    "translation_note": "",
    "source_organisation": "Organisation: {organisation}",
    "source_website": "webbplats: {url}",
    "source_used": "Används i handboken: {uses}.",
    "used_set": "Frågor: {title}",
    "used_template": "Mall: {title}",
    "print_version": "Utskriftsversion av handboken, skapad",
}

_EN = {
    "documentation": "Documentation",
    "policy_documented": "Documented in the talk.",
    "policy_optional": "Need not be documented.",
    "policy_never": (
        "This section is support for the conversation and is not documented in the "
        "medarbetarsamtal. The form service has no field for it."
    ),
    "rate": "Rate from {low} to {high}:",
    "yes_or_no": "Answer yes or no.",
    "yes_no_boxes": "☐ Yes ☐ No",
    "to_the_manager": "For you as a manager",
    "set_credit": "Source: “{title}”, {organisation}. Question set “{name}”, version {version}.",
    "public_record": (
        " What is written down may become an allmän handling: an official document that anyone "
        "may ask to read."
    ),
    "plan_details": "About the talk",
    "blank_grid": "{title} – blank template to fill in",
    "signatures": "Signatures",
    "signature": "Signature",
    "date": "Date",
    "name_signed": "Signed",
    "plan_credit": "Source: “{title}”, {organisation}. Plan template “{name}”, version {version}.",
    "translation_note": (
        "Translation: the English wording is a translation of the Swedish text in “{title}” "
        "({organisation}). The Swedish wording is the source’s own."
    ),
    "source_organisation": "Organisation: {organisation}",
    "source_website": "website: {url}",
    "source_used": "Used in the handbook: {uses}.",
    "used_set": "Questions: {title}",
    "used_template": "Template: {title}",
    "print_version": "Printable version of the handbook, made",
}

WORDS = MappingProxyType({"sv": MappingProxyType(_SV), "en": MappingProxyType(_EN)})


def words(language: str) -> MappingProxyType[str, str]:
    """The fixed words of `language`; an unknown language raises KeyError (a build error)."""
    if language not in WORDS:
        raise KeyError(f"The handbook has no words in {language!r}; it has {', '.join(WORDS)}.")
    return WORDS[language]
