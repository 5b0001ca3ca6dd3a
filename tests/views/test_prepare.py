"""The preparation form (/samtal/<id>/forberedelse) and what the talk page shows of it.

What a user or an auditor would check: the form follows the round's question set, drafts are
kept, the two parties prepare separately, errors never lose typed text, nothing is stored for
sections that must not be documented, access is denied (and audited) for everyone else, a held
talk is locked and a record changed behind the service's back is refused.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from werkzeug.test import TestResponse

from formserver import preparation as prep
from formserver import rounds, tokens
from formserver.store.preparations import Preparation, get_preparation
from formserver.store.talks import Talk
from tests.factories import conn, csrf_token, data_dump, person, sign_in, talk_of

PUBLIC_NOTE = "Det du skriver kan bli en allmän handling."
NEVER_TITLE = "Våld i nära relation och/eller hedersrelaterat våld"
SCALE_LABELS = [
    "1 – Behöver utvecklas mycket",
    "2 – Behöver utvecklas",
    "3 – Räcker för mina uppgifter",
    "4 – God",
    "5 – Mycket god, kan lära andra",
]


# --- a small HTML tree, so that tests can ask "inside this fieldset" ------------------------------

VOID = frozenset("area base br col embed hr img input link meta source track wbr".split())


@dataclass
class Element:
    """One element of a parsed page."""

    tag: str
    attrs: dict[str, str]
    children: list[Element | str] = field(default_factory=list)

    def raw_text(self) -> str:
        """The text inside, exactly (entities decoded)."""
        return "".join(c if isinstance(c, str) else c.raw_text() for c in self.children)

    def text(self) -> str:
        """The text inside with whitespace collapsed, as a reader sees it."""
        return " ".join(self.raw_text().split())

    def iter(self) -> Iterator[Element]:
        """Every element inside, in document order."""
        for child in self.children:
            if isinstance(child, Element):
                yield child
                yield from child.iter()

    def find_all(self, tag: str, class_: str | None = None, **attrs: str) -> list[Element]:
        """Elements inside with this tag, class token and attribute values (for_ is for)."""
        wanted = {k.rstrip("_"): v for k, v in attrs.items()}
        return [
            e
            for e in self.iter()
            if e.tag == tag
            and (class_ is None or class_ in e.attrs.get("class", "").split())
            and all(e.attrs.get(k) == v for k, v in wanted.items())
        ]

    def one(self, tag: str, class_: str | None = None, **attrs: str) -> Element:
        """The only element inside that matches."""
        found = self.find_all(tag, class_, **attrs)
        assert len(found) == 1, f"expected one <{tag} {class_ or ''} {attrs}>, found {len(found)}"
        return found[0]

    def by_id(self, element_id: str) -> Element | None:
        """The element with this id, if any."""
        return next((e for e in self.iter() if e.attrs.get("id") == element_id), None)


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Element(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(html: str) -> Element:
    """The page as a tree."""
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def preparation_form(html: str) -> Element:
    """The preparation form (not the log-out form in the header)."""
    forms = [
        f for f in parse(html).find_all("form") if "logout" not in f.attrs.get("class", "").split()
    ]
    assert len(forms) == 1, f"expected one preparation form, found {len(forms)}"
    return forms[0]


def section_fieldset(form: Element, title: str) -> Element:
    """A section's fieldset, by the text of its legend."""
    found = [
        fs
        for fs in form.find_all("fieldset", class_="section")
        if fs.find_all("legend")[0].text() == title
    ]
    assert len(found) == 1, f"no single section titled {title!r}"
    return found[0]


def textarea_text(html: str, name: str) -> str:
    """What a textarea holds, exactly."""
    return parse(html).one("textarea", name=name).raw_text()


def page_version(html: str) -> int:
    """The version the form was loaded at (its hidden field)."""
    return int(parse(html).one("input", name="version").attrs["value"])


# --- the service as its users reach it ------------------------------------------------------------


def form_url(talk: Talk) -> str:
    return f"/samtal/{talk.id}/forberedelse"


def overview_url(talk: Talk) -> str:
    return f"/samtal/{talk.id}"


def signed_in(app: Flask, role: str) -> FlaskClient:
    """A browser of its own, signed in as a person from factories.PEOPLE."""
    browser = app.test_client()
    sign_in(browser, app, role)
    return browser


def post_form(
    client: FlaskClient,
    talk: Talk,
    fields: dict[str, str],
    *,
    action: str = "spara",
    version: int | None = None,
) -> TestResponse:
    """Open the form as a browser does, then send it with `fields` typed in."""
    page = client.get(form_url(talk))
    assert page.status_code == 200, page.text
    data = {
        "csrf_token": csrf_token(page.text),
        "version": str(page_version(page.text) if version is None else version),
        "action": action,
        **fields,
    }
    return client.post(form_url(talk), data=data)


def open_round(app: Flask, year: int, question_set_id: str, plan_template_id: str) -> Talk:
    """Open another round (as HR does) and return employee A's talk in it."""
    if year != 2026:  # the app fixture has already opened 2026 with "rutin"
        rounds.open_round(
            conn(app),
            app.extensions["site_config"],
            year=year,
            question_set_id=question_set_id,
            plan_template_id=plan_template_id,
            opened_by=person(app, "hr").id,
            today=date(year, 1, 15),
        )
    talk = talk_of(app, "employee_a")
    assert (talk.year, talk.question_set_id) == (year, question_set_id)
    return talk


def stored(app: Flask, talk: Talk, role: str = "employee") -> Preparation | None:
    """The stored preparation, MAC-verified, as the service reads it."""
    with app.test_request_context():
        return get_preparation(conn(app), talk.id, role, prep.signer())


def stored_row(app: Flask, talk: Talk, role: str = "employee") -> sqlite3.Row | None:
    """The raw preparations row."""
    row: sqlite3.Row | None = (
        conn(app)
        .execute(
            "SELECT * FROM preparations WHERE talk_id = ? AND author_role = ?", (talk.id, role)
        )
        .fetchone()
    )
    return row


def last_audit_id(app: Flask) -> int:
    return int(conn(app).execute("SELECT COALESCE(MAX(id), 0) FROM audit_log").fetchone()[0])


def audit_since(app: Flask, after: int) -> list[dict[str, Any]]:
    """Audit entries written after entry `after`, oldest first."""
    rows = conn(app).execute("SELECT * FROM audit_log WHERE id > ? ORDER BY id", (after,))
    return [dict(r) for r in rows]


# --- 1. the form follows the round's question set -------------------------------------------------

SETS = [
    pytest.param(
        2026,
        "rutin",
        "handlingsplan",
        "Arbetssituation och hälsa",
        "Hur upplever du din hälsa?",
        id="rutin",
    ),
    pytest.param(
        2027,
        "goteborg",
        "utvecklingsplan",
        "Klargöra uppdrag",
        "Har chef och medarbetare samma syn på uppdraget/tjänsten?",
        id="goteborg",
    ),
    pytest.param(
        2028,
        "kompetenssamtal",
        "aktivitetsplan",
        "Framtid",
        "Vilken utveckling önskar du på längre sikt?",
        id="kompetenssamtal",
    ),
]


@pytest.mark.parametrize(("year", "set_id", "plan_id", "a_section", "a_question"), SETS)
def test_form_has_a_fieldset_per_section_and_a_label_per_question(
    app: Flask,
    client: FlaskClient,
    year: int,
    set_id: str,
    plan_id: str,
    a_section: str,
    a_question: str,
) -> None:
    talk = open_round(app, year, set_id, plan_id)
    question_set = app.extensions["site_config"].question_sets[set_id]
    sign_in(client, app, "employee_a")

    page = client.get(form_url(talk))

    assert page.status_code == 200
    assert "Förberedelse inför medarbetarsamtalet" in page.text
    form = preparation_form(page.text)
    fieldsets = form.find_all("fieldset", class_="section")
    legends = [fs.find_all("legend")[0].text() for fs in fieldsets]
    assert legends == [section.title for section in question_set.sections]
    assert a_section in legends
    labels = [label.text() for label in form.find_all("label")]
    assert a_question in labels
    for section, fieldset in zip(question_set.sections, fieldsets, strict=True):
        if not section.has_fields:
            continue
        for q in section.questions:
            if q.kind == "text":
                label = fieldset.one("label", for_=f"q_{q.id}")
                assert label.text() == q.text
                fieldset.one("textarea", id=f"q_{q.id}", name=f"q_{q.id}")
                helps = [q.help, q.points_intro, *q.points, q.note]
                if any(helps):
                    hint = fieldset.one("div", id=f"q_{q.id}-hjalp")
                    for text in filter(None, helps):
                        assert " ".join(text.split()) in hint.text()
            else:
                group = [
                    fs
                    for fs in fieldset.find_all("fieldset", class_="choices")
                    if fs.one("legend").text() == q.text
                ]
                assert len(group) == 1, q.id
                assert group[0].find_all("input", type="radio", name=f"q_{q.id}")

    textareas = form.find_all("textarea")
    # One per text question; one comment per rating or yes/no question. Never-sections: none.
    assert sorted(t.attrs["name"] for t in textareas) == sorted(
        f"q_{q.id}" if q.kind == "text" else f"c_{q.id}" for q in question_set.questions()
    )
    document = parse(page.text)
    for textarea in textareas:
        described = textarea.attrs.get("aria-describedby", "").split()
        targets = [document.by_id(i) for i in described]
        assert all(targets), f"{textarea.attrs['name']}: aria-describedby names a missing id"
        assert PUBLIC_NOTE in [t.text() for t in targets if t], textarea.attrs["name"]
    assert page.text.count(PUBLIC_NOTE) == len(textareas)


def test_rutin_question_shows_its_points_and_note_linked_to_the_field(
    app: Flask, client: FlaskClient
) -> None:
    sign_in(client, app, "employee_a")

    page = client.get(form_url(talk_of(app, "employee_a")))

    document = parse(page.text)
    textarea = document.one("textarea", name="q_arbetssituation")
    assert textarea.attrs["aria-describedby"].split() == [
        "q_arbetssituation-hjalp",
        "q_arbetssituation-offentlig",
    ]
    hint = document.by_id("q_arbetssituation-hjalp")
    assert hint is not None
    points = [li.text() for li in hint.find_all("li")]
    assert points[:5] == [
        "Arbetsbelastning",
        "Arbetstider",
        "Relationer, klimat",
        "Fysisk arbetsmiljö",
        "Balans mellan arbete och fritid",
    ]
    assert "Diskrimineringsgrunderna är kön, könsidentitet eller könsuttryck" in hint.text()
    assert document.one("label", for_="q_arbetssituation").text() == (
        "Hur upplever du din arbetssituation?"
    )


@pytest.mark.parametrize("role", ["employee_a", "manager"])
def test_goteborg_never_section_is_guidance_without_any_field(app: Flask, role: str) -> None:
    talk = open_round(app, 2027, "goteborg", "utvecklingsplan")
    browser = signed_in(app, role)

    page = browser.get(form_url(talk))

    assert page.status_code == 200
    never = section_fieldset(preparation_form(page.text), NEVER_TITLE)
    for tag in ("textarea", "input", "select", "button"):
        assert never.find_all(tag) == [], f"<{tag}> inside the never-section"
    assert [li.text() for li in never.find_all("li")] == [
        "Händer det att du känner dig otrygg hemma?",
        "Händer det att du känner dig otrygg på jobbet?",
    ]
    assert "Ska inte dokumenteras." in never.text()
    assert "ingenting om det sparas" in never.text()
    manager_note = "Du som chef kan ta stöd i anvisningarna"
    assert (manager_note in never.text()) == (role == "manager")


def test_goteborg_optional_section_says_it_need_not_be_filled_in(
    app: Flask, client: FlaskClient
) -> None:
    talk = open_round(app, 2027, "goteborg", "utvecklingsplan")
    sign_in(client, app, "employee_a")

    page = client.get(form_url(talk))

    optional = section_fieldset(preparation_form(page.text), "Arbetsmiljö och hälsa")
    assert "Det här avsnittet behöver inte fyllas i eller dokumenteras." in optional.text()
    assert "Skriv ner eventuella risker och behov." in optional.text()
    assert optional.one("label", for_="q_arbetsmiljon_och_halsan").text() == (
        "Hur upplever du arbetsmiljön och din hälsa?"
    )
    optional.one("textarea", name="q_arbetsmiljon_och_halsan")
    documented = section_fieldset(preparation_form(page.text), "Klargöra uppdrag")
    assert "behöver inte fyllas i" not in documented.text()


@pytest.mark.parametrize(
    ("question_id", "text"),
    [
        ("kanner_till_reglerna", "Känner du till vad som gäller kring bisysslor, jäv och mutor?"),
        ("har_bisyssla", "Har du någon bisyssla?"),
    ],
)
def test_goteborg_yes_no_questions_are_radio_buttons_ja_nej(
    app: Flask, client: FlaskClient, question_id: str, text: str
) -> None:
    talk = open_round(app, 2027, "goteborg", "utvecklingsplan")
    sign_in(client, app, "employee_a")

    page = client.get(form_url(talk))

    section = section_fieldset(preparation_form(page.text), "Bisysslor, jäv och mutor")
    group = [
        fs
        for fs in section.find_all("fieldset", class_="choices")
        if fs.one("legend").text() == text
    ]
    assert len(group) == 1
    radios = group[0].find_all("input", name=f"q_{question_id}")
    assert [r.attrs["type"] for r in radios] == ["radio", "radio"]
    assert [r.attrs["value"] for r in radios] == ["ja", "nej"]
    assert [group[0].one("label", for_=r.attrs["id"]).text() for r in radios] == ["Ja", "Nej"]
    assert not any("checked" in r.attrs for r in radios)
    assert section.one("label", for_=f"c_{question_id}").text() == (
        f"Kommentar till ”{text}” (valfritt)"
    )
    section.one("textarea", name=f"c_{question_id}")


@pytest.mark.parametrize(
    ("question_id", "text"),
    [
        ("skatta_formaga", "Förmåga"),
        ("skatta_vilja", "Vilja"),
        ("skatta_kunskap", "Kunskap"),
        ("skatta_fardigheter", "Färdigheter"),
    ],
)
def test_kompetenssamtal_ratings_are_radio_buttons_1_to_5_with_labels(
    app: Flask, client: FlaskClient, question_id: str, text: str
) -> None:
    talk = open_round(app, 2028, "kompetenssamtal", "aktivitetsplan")
    sign_in(client, app, "employee_a")

    page = client.get(form_url(talk))

    section = section_fieldset(preparation_form(page.text), "Skatta din kompetens")
    group = [
        fs
        for fs in section.find_all("fieldset", class_="choices")
        if fs.one("legend").text() == text
    ]
    assert len(group) == 1
    radios = group[0].find_all("input", type="radio", name=f"q_{question_id}")
    assert [r.attrs["value"] for r in radios] == ["1", "2", "3", "4", "5"]
    assert [group[0].one("label", for_=r.attrs["id"]).text() for r in radios] == SCALE_LABELS
    assert section.one("label", for_=f"c_{question_id}").text() == (
        f"Kommentar till ”{text}” (valfritt)"
    )
    comment = section.one("textarea", name=f"c_{question_id}")
    assert f"c_{question_id}-offentlig" in comment.attrs["aria-describedby"].split()


@pytest.mark.parametrize(
    ("year", "set_id", "plan_id", "question_id", "value", "shown"),
    [
        (2027, "goteborg", "utvecklingsplan", "har_bisyssla", "ja", "Ja"),
        (2027, "goteborg", "utvecklingsplan", "kanner_till_reglerna", "nej", "Nej"),
        (2028, "kompetenssamtal", "aktivitetsplan", "skatta_vilja", "4", "Skattning: 4 av 5"),
    ],
)
def test_a_choice_and_its_comment_are_stored_by_question_id_and_shown_again(
    app: Flask,
    client: FlaskClient,
    year: int,
    set_id: str,
    plan_id: str,
    question_id: str,
    value: str,
    shown: str,
) -> None:
    talk = open_round(app, year, set_id, plan_id)
    sign_in(client, app, "employee_a")

    saved = post_form(
        client, talk, {f"q_{question_id}": value, f"c_{question_id}": "Kommentar till valet"}
    )

    assert saved.status_code == 302
    preparation = stored(app, talk)
    assert preparation is not None
    assert preparation.answers == {question_id: {"value": value, "comment": "Kommentar till valet"}}
    form = parse(client.get(form_url(talk)).text)
    checked = [
        r.attrs["value"]
        for r in form.find_all("input", name=f"q_{question_id}")
        if "checked" in r.attrs
    ]
    assert checked == [value]
    assert form.one("textarea", name=f"c_{question_id}").raw_text() == "Kommentar till valet"
    submitted = post_form(
        client,
        talk,
        {f"q_{question_id}": value, f"c_{question_id}": "Kommentar till valet"},
        action="skicka",
    )
    assert submitted.status_code == 302
    overview = client.get(overview_url(talk)).text
    assert shown in overview
    assert "Kommentar till valet" in overview


@pytest.mark.parametrize(
    ("year", "set_id", "plan_id", "question_id", "value"),
    [
        (2027, "goteborg", "utvecklingsplan", "har_bisyssla", "kanske"),
        (2028, "kompetenssamtal", "aktivitetsplan", "skatta_vilja", "6"),
        (2028, "kompetenssamtal", "aktivitetsplan", "skatta_vilja", "0"),
    ],
)
def test_a_choice_outside_the_scale_is_refused_and_nothing_stored(
    app: Flask,
    client: FlaskClient,
    year: int,
    set_id: str,
    plan_id: str,
    question_id: str,
    value: str,
) -> None:
    talk = open_round(app, year, set_id, plan_id)
    sign_in(client, app, "employee_a")

    response = post_form(
        client, talk, {f"q_{question_id}": value, f"c_{question_id}": "Min kommentar"}
    )

    assert response.status_code == 400
    assert "Något behöver rättas" in response.text
    assert textarea_text(response.text, f"c_{question_id}") == "Min kommentar"
    assert stored_row(app, talk) is None


# --- 2. nothing is stored for a never-section, nor for fields the form does not have --------------


@pytest.mark.parametrize(
    "name",
    [
        "q_vald_i_nara_relation",
        "c_vald_i_nara_relation",
        "vald_i_nara_relation",
        "q_pahittat_falt",
        "answers[vald_i_nara_relation]",
    ],
)
def test_a_posted_field_for_a_never_section_stores_nothing_about_it(
    app: Flask, client: FlaskClient, name: str
) -> None:
    talk = open_round(app, 2027, "goteborg", "utvecklingsplan")
    sign_in(client, app, "employee_a")
    secret = "Jag känner mig otrygg hemma"

    response = post_form(
        client,
        talk,
        {
            "q_samma_syn_pa_uppdraget": "Ja, i stort sett.",
            name: secret,
        },
    )

    assert response.status_code == 302
    row = stored_row(app, talk)
    assert row is not None
    assert json.loads(row["answers"]) == {"samma_syn_pa_uppdraget": {"value": "Ja, i stort sett."}}
    assert secret not in data_dump(app)
    audit_text = json.dumps([dict(r) for r in conn(app).execute("SELECT * FROM audit_log")])
    assert secret not in audit_text
    assert secret not in client.get(form_url(talk)).text


# --- 3. drafts are kept; submitting marks the talk prepared ---------------------------------------


def test_draft_is_kept_versions_count_up_and_submit_marks_the_talk_prepared(
    app: Flask, client: FlaskClient
) -> None:
    talk = talk_of(app, "employee_a")
    sign_in(client, app, "employee_a")

    first = post_form(client, talk, {"q_halsa": "Ganska bra."})

    assert first.status_code == 302
    assert first.location.endswith(f"{form_url(talk)}?sparad=1")
    back = client.get(first.location)
    assert "Utkastet är sparat." in back.text
    assert textarea_text(back.text, "q_halsa") == "Ganska bra."
    assert page_version(back.text) == 1
    draft = stored(app, talk)
    assert draft is not None
    assert (draft.version, draft.submitted_at) == (1, None)
    assert draft.answers == {"halsa": {"value": "Ganska bra."}}

    # Leave (the overview), come back later: the draft is there.
    overview = client.get(overview_url(talk)).text
    assert "Du har ett sparat utkast. Det är inte inskickat ännu." in overview
    assert "Ej kallad" in overview
    later = client.get(form_url(talk))
    assert textarea_text(later.text, "q_halsa") == "Ganska bra."
    assert "Utkastet är sparat." not in later.text

    second = post_form(client, talk, {"q_halsa": "Ganska bra.", "q_be_om_hjalp": "Min kollega."})
    assert second.status_code == 302
    draft = stored(app, talk)
    assert draft is not None
    assert draft.version == 2
    assert draft.submitted_at is None
    assert talk_of(app, "employee_a").status == "ej_kallad"

    sent = post_form(
        client, talk, {"q_halsa": "Ganska bra.", "q_be_om_hjalp": "Min kollega."}, action="skicka"
    )

    assert sent.status_code == 302
    assert sent.location.endswith(f"{overview_url(talk)}?skickad=1")
    final = stored(app, talk)
    assert final is not None
    assert final.version == 3
    assert final.submitted_at is not None
    assert final.answers == {
        "halsa": {"value": "Ganska bra."},
        "be_om_hjalp": {"value": "Min kollega."},
    }
    assert talk_of(app, "employee_a").status == "forberedd"
    page = parse(client.get(sent.location).text)
    facts = page.one("dl", class_="facts")
    terms = [e.text() for e in facts.find_all("dt")]
    values = [e.text() for e in facts.find_all("dd")]
    assert values[terms.index("Status")] == "Förberedd"
    assert "Din förberedelse är inskickad." in page.text()
    assert f"Du skickade in din förberedelse {final.submitted_at[:10]}." in page.text()
    actions = [
        (r["action"], r["outcome"], r["detail"])
        for r in audit_since(app, 0)
        if r["object_id"] == talk.id and r["action"].startswith("preparation.s")
    ]
    assert actions == [
        ("preparation.save", "ok", "employee v1"),
        ("preparation.save", "ok", "employee v2"),
        ("preparation.submit", "ok", "employee v3"),
    ]


# --- 4. employee and manager prepare separately ---------------------------------------------------


def test_each_sees_the_others_preparation_only_when_both_have_submitted(app: Flask) -> None:
    talk = talk_of(app, "employee_a")
    employee = signed_in(app, "employee_a")
    manager = signed_in(app, "manager")
    employee_text = "Medarbetarens egen tanke om arbetsbelastningen"
    manager_text = "Chefens egen iakttagelse om samarbetet"

    def sees(browser: FlaskClient, text: str) -> bool:
        overview = browser.get(overview_url(talk))
        form = browser.get(form_url(talk))
        assert (overview.status_code, form.status_code) == (200, 200)
        return text in overview.text or text in form.text

    assert post_form(employee, talk, {"q_arbetssituation": employee_text}).status_code == 302
    assert post_form(manager, talk, {"q_bidrar_till_dialog": manager_text}).status_code == 302
    assert not sees(employee, manager_text)
    assert not sees(manager, employee_text)

    assert (
        post_form(employee, talk, {"q_arbetssituation": employee_text}, action="skicka").status_code
        == 302
    )
    assert not sees(employee, manager_text)
    assert not sees(manager, employee_text)
    assert "Medarbetaren har skickat in sin förberedelse." in manager.get(overview_url(talk)).text
    assert (
        "Ni ser varandras förberedelser när båda har skickat in sina."
        in employee.get(overview_url(talk)).text
    )

    assert (
        post_form(
            manager, talk, {"q_bidrar_till_dialog": manager_text}, action="skicka"
        ).status_code
        == 302
    )

    employee_view = parse(employee.get(overview_url(talk)).text).text()
    manager_view = parse(manager.get(overview_url(talk)).text).text()
    assert manager_text in employee_view
    assert employee_text in manager_view
    assert employee_text in employee_view and manager_text in manager_view
    # The manager's preparation does not change the talk's status; each row is its author's.
    employee_row, manager_row = stored(app, talk, "employee"), stored(app, talk, "manager")
    assert employee_row is not None and manager_row is not None
    assert employee_row.answers == {"arbetssituation": {"value": employee_text}}
    assert manager_row.answers == {"bidrar_till_dialog": {"value": manager_text}}


# --- 5. errors keep the typed text ----------------------------------------------------------------


class _OldSigner(TimestampSigner):
    """Signs as if it were 13 hours ago (CSRF tokens live 12 hours)."""

    def get_timestamp(self) -> int:
        return int(time.time()) - 13 * 3600


def _expired_token(app: Flask, client: FlaskClient) -> str:
    with client.session_transaction() as session:
        nonce = session["csrf"]
    keys = [*app.config["SECRET_KEY_FALLBACKS"], app.config["SECRET_KEY"]]
    return URLSafeTimedSerializer(keys, salt=tokens.CSRF_SALT, signer=_OldSigner).dumps(nonce)


@pytest.mark.parametrize("kind", ["expired", "invalid", "missing", "other_purpose"])
def test_expired_or_invalid_csrf_token_keeps_the_typed_text_and_stores_nothing(
    app: Flask, client: FlaskClient, kind: str
) -> None:
    talk = talk_of(app, "employee_a")
    sign_in(client, app, "employee_a")
    assert client.get(form_url(talk)).status_code == 200
    keys = [*app.config["SECRET_KEY_FALLBACKS"], app.config["SECRET_KEY"]]
    token = {
        "expired": _expired_token(app, client),
        "invalid": "ogiltig.token.123",
        "missing": "",
        "other_purpose": tokens.dump(keys, tokens.SIGN_IN_SALT, "x"),
    }[kind]
    typed = "Det här skrev jag under en lång eftermiddag.\nRad två."

    response = client.post(
        form_url(talk),
        data={
            "csrf_token": token,
            "version": "0",
            "action": "spara",
            "q_halsa": typed,
        },
    )

    assert response.status_code == 400
    assert "Sidan har varit öppen för länge" in response.text
    assert textarea_text(response.text, "q_halsa") == typed
    assert stored_row(app, talk) is None
    # The page carries a fresh token: pressing the button again works.
    retry = client.post(
        form_url(talk),
        data={
            "csrf_token": csrf_token(response.text),
            "version": "0",
            "action": "spara",
            "q_halsa": textarea_text(response.text, "q_halsa"),
        },
    )
    assert retry.status_code == 302
    again = stored(app, talk)
    assert again is not None and again.answers == {"halsa": {"value": typed}}


def test_a_text_at_the_limit_is_saved(app: Flask, client: FlaskClient) -> None:
    talk = talk_of(app, "employee_a")
    sign_in(client, app, "employee_a")
    limit = app.config["TEXT_FIELD_MAX_CHARS"]
    assert limit == 10_000
    typed = "å" * limit  # characters, not bytes: 20,000 bytes in UTF-8

    response = post_form(client, talk, {"q_halsa": typed})

    assert response.status_code == 302
    saved = stored(app, talk)
    assert saved is not None and saved.answers == {"halsa": {"value": typed}}


@pytest.mark.parametrize("name", ["q_halsa", "q_arets_utmaning"])
def test_a_text_over_the_limit_is_refused_with_the_text_kept(
    app: Flask, client: FlaskClient, name: str
) -> None:
    talk = talk_of(app, "employee_a")
    sign_in(client, app, "employee_a")
    typed = "Början av en lång text. " + "x" * app.config["TEXT_FIELD_MAX_CHARS"]

    response = post_form(client, talk, {name: typed, "q_be_om_hjalp": "Kort svar."})

    assert response.status_code == 400
    assert "Texten är för lång" in response.text
    document = parse(response.text)
    field = document.one("textarea", name=name)
    assert field.raw_text() == typed
    assert field.attrs.get("aria-invalid") == "true"
    assert f"{name}-fel" in field.attrs["aria-describedby"].split()
    error = document.by_id(f"{name}-fel")
    assert error is not None and "Texten är för lång" in error.text()
    assert textarea_text(response.text, "q_be_om_hjalp") == "Kort svar."
    assert stored_row(app, talk) is None


def test_a_stale_version_from_another_tab_shows_both_texts_and_overwrites_nothing(
    app: Flask, client: FlaskClient
) -> None:
    talk = talk_of(app, "employee_a")
    sign_in(client, app, "employee_a")
    tab = client.get(form_url(talk))  # the second tab, opened at version 0
    assert page_version(tab.text) == 0

    first = post_form(client, talk, {"q_halsa": "Texten från första fliken."}, version=0)
    assert first.status_code == 302

    response = client.post(
        form_url(talk),
        data={
            "csrf_token": csrf_token(tab.text),
            "version": "0",
            "action": "spara",
            "q_halsa": "Texten från andra fliken.",
        },
    )

    assert response.status_code == 409
    assert "Förberedelsen har ändrats på annat håll" in response.text
    document = parse(response.text)
    stored_version = document.one("section", class_="stored-version")
    assert "Texten från första fliken." in stored_version.text()
    assert textarea_text(response.text, "q_halsa") == "Texten från andra fliken."
    row = stored(app, talk)
    assert row is not None
    assert (row.version, row.answers) == (1, {"halsa": {"value": "Texten från första fliken."}})
    # The page now carries the stored version: saving from it is a deliberate overwrite.
    assert page_version(response.text) == 1
    resaved = client.post(
        form_url(talk),
        data={
            "csrf_token": csrf_token(response.text),
            "version": str(page_version(response.text)),
            "action": "spara",
            "q_halsa": textarea_text(response.text, "q_halsa"),
        },
    )
    assert resaved.status_code == 302
    row = stored(app, talk)
    assert row is not None
    assert (row.version, row.answers) == (2, {"halsa": {"value": "Texten från andra fliken."}})


def test_a_body_over_the_size_limit_gets_the_swedish_413_page_and_stores_nothing(
    app: Flask, client: FlaskClient
) -> None:
    talk = talk_of(app, "employee_a")
    sign_in(client, app, "employee_a")
    too_big = "x" * (app.config["MAX_CONTENT_LENGTH"] + 1024)
    before = last_audit_id(app)

    response = post_form(client, talk, {"q_halsa": too_big})

    assert response.status_code == 413
    assert "Det du skickade var för stort" in response.text
    assert "Ingenting sparades." in response.text
    assert stored_row(app, talk) is None
    assert not [r for r in audit_since(app, before) if r["action"].startswith("preparation.s")]


# --- 6. what is typed is normalised, stored as typed otherwise, and shown escaped -----------------


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        pytest.param("Sa\u030ang och ho\u0308st", "Sång och höst", id="NFC"),
        pytest.param("rad ett\r\nrad två\rrad tre", "rad ett\nrad två\nrad tre", id="CRLF"),
        pytest.param("fil\u202egpj.exe", "filgpj.exe", id="bidi-override"),
        pytest.param("noll\u200bbredd", "nollbredd", id="zero-width-space"),
        pytest.param("nul\x00tecken", "nultecken", id="NUL"),
        pytest.param("  mellanslag runt om \n", "mellanslag runt om", id="trimmed"),
    ],
)
def test_typed_text_is_normalised_before_it_is_stored(
    app: Flask, client: FlaskClient, typed: str, kept: str
) -> None:
    talk = talk_of(app, "employee_a")
    sign_in(client, app, "employee_a")

    response = post_form(client, talk, {"q_halsa": typed})

    assert response.status_code == 302
    saved = stored(app, talk)
    assert saved is not None
    assert saved.answers == {"halsa": {"value": kept}}
    row = stored_row(app, talk)
    assert row is not None and json.loads(row["answers"]) == {"halsa": {"value": kept}}
    assert textarea_text(client.get(form_url(talk)).text, "q_halsa") == kept


def test_markup_and_template_syntax_are_stored_as_typed_and_shown_escaped(
    app: Flask, client: FlaskClient
) -> None:
    talk = talk_of(app, "employee_a")
    sign_in(client, app, "employee_a")
    script = "<script>alert(1)</script>"
    template = "{{ 7*7 }} och {% if true %}ja{% endif %}"

    response = post_form(
        client, talk, {"q_halsa": script, "q_be_om_hjalp": template}, action="skicka"
    )

    assert response.status_code == 302
    saved = stored(app, talk)
    assert saved is not None
    assert saved.answers == {"halsa": {"value": script}, "be_om_hjalp": {"value": template}}
    form = client.get(form_url(talk)).text
    overview = client.get(overview_url(talk)).text
    for page in (form, overview):
        assert "<script>alert" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert ">49<" not in page
    assert textarea_text(form, "q_halsa") == script
    assert textarea_text(form, "q_be_om_hjalp") == template
    typed = [p.raw_text() for p in parse(overview).find_all("p", class_="typed")]
    assert script in typed
    assert template in typed


# --- 7. nobody else reaches A's preparation -------------------------------------------------------


def _a_has_prepared(app: Flask) -> tuple[Talk, str]:
    talk = talk_of(app, "employee_a")
    text = "Anna skriver om sin hälsa"
    assert post_form(signed_in(app, "employee_a"), talk, {"q_halsa": text}).status_code == 302
    return talk, text


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("role", ["employee_b", "other_manager", "hr"])
def test_others_get_404_an_audited_denial_and_change_nothing(
    app: Flask, role: str, method: str
) -> None:
    talk, text = _a_has_prepared(app)
    intruder = signed_in(app, role)
    token = csrf_token(intruder.get("/").text)
    before_data, before_audit = data_dump(app), last_audit_id(app)

    if method == "GET":
        response = intruder.get(form_url(talk))
    else:
        response = intruder.post(
            form_url(talk),
            data={
                "csrf_token": token,
                "version": "1",
                "action": "skicka",
                "q_halsa": "Ändrat av någon",
            },
        )

    assert response.status_code == 404
    assert "Sidan finns inte" in response.text
    assert text not in response.text
    assert data_dump(app) == before_data
    new = audit_since(app, before_audit)
    assert [(r["outcome"], r["actor_id"], r["object_id"]) for r in new] == [
        ("denied", person(app, role).id, talk.id)
    ]
    assert f"{method} {form_url(talk)}" == new[0]["detail"]


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_anonymous_is_sent_to_sign_in_and_changes_nothing(app: Flask, method: str) -> None:
    talk, text = _a_has_prepared(app)
    before = data_dump(app)
    anonymous = app.test_client()

    if method == "GET":
        response = anonymous.get(form_url(talk))
    else:
        response = anonymous.post(form_url(talk), data={"version": "1", "q_halsa": "Ändrat"})

    if method == "GET":
        assert response.status_code == 302
        assert response.location.startswith("/inloggning-kravs")
    else:
        # Nothing saved; the sign-in page shows the typed text back, never the stored one.
        assert response.status_code == 401
        assert "Ändrat</textarea>" in response.text
    assert text not in response.text
    assert data_dump(app) == before


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_anonymous_attempt_is_audited_as_denied(app: Flask, method: str) -> None:
    talk, _ = _a_has_prepared(app)
    before = last_audit_id(app)

    anonymous = app.test_client()
    response = (
        anonymous.get(form_url(talk))
        if method == "GET"
        else anonymous.post(form_url(talk), data={"q_halsa": "Ändrat"})
    )

    assert response.status_code == (302 if method == "GET" else 401)

    new = audit_since(app, before)
    assert [(r["outcome"], r["actor_id"]) for r in new] == [("denied", None)]
    assert form_url(talk) in new[0]["object_id"] + new[0]["detail"]


# --- 8. a held talk is locked ---------------------------------------------------------------------


def test_after_the_talk_is_held_the_form_is_read_only_and_a_post_changes_nothing(
    app: Flask, client: FlaskClient
) -> None:
    talk = talk_of(app, "employee_a")
    sign_in(client, app, "employee_a")
    assert post_form(client, talk, {"q_halsa": "Skrivet före samtalet."}).status_code == 302
    conn(app).execute("UPDATE talks SET status = 'genomford' WHERE id = ?", (talk.id,))
    before = dict(stored_row(app, talk) or {})

    page = client.get(form_url(talk))

    assert page.status_code == 200
    assert "Samtalet är genomfört" in page.text
    assert "<textarea" not in page.text
    assert "Skicka in" not in page.text
    assert "Skrivet före samtalet." in parse(page.text).text()

    response = client.post(
        form_url(talk),
        data={
            "csrf_token": csrf_token(page.text),
            "version": "1",
            "action": "skicka",
            "q_halsa": "Ändrat efter samtalet.",
        },
    )

    assert response.status_code == 409
    assert "Samtalet är genomfört" in response.text
    assert dict(stored_row(app, talk) or {}) == before
    assert talk_of(app, "employee_a").status == "genomford"


# --- 9. a record changed behind the service's back is refused -------------------------------------


def _tamper_answers(app: Flask, talk: Talk) -> str:
    row = stored_row(app, talk)
    assert row is not None
    answers = json.loads(row["answers"])
    answers["halsa"]["value"] = "Manipulerad text i databasen"
    conn(app).execute(
        "UPDATE preparations SET answers = ? WHERE id = ?",
        (json.dumps(answers, ensure_ascii=False, sort_keys=True), row["id"]),
    )
    return "Manipulerad text i databasen"


def _tamper_submitted(app: Flask, talk: Talk) -> str:
    conn(app).execute(
        "UPDATE preparations SET submitted_at = '2026-11-02T08:00:00+00:00' "
        "WHERE talk_id = ? AND author_role = 'employee'",
        (talk.id,),
    )
    return "Du skickade in din förberedelse"


@pytest.mark.parametrize(
    "tamper", [_tamper_answers, _tamper_submitted], ids=["answers", "submitted_at"]
)
@pytest.mark.parametrize(
    ("viewer", "page"),
    [("employee_a", "form"), ("employee_a", "overview"), ("manager", "overview")],
)
def test_a_record_changed_in_the_database_is_refused_and_audited(
    app: Flask, viewer: str, page: str, tamper: Any
) -> None:
    talk = talk_of(app, "employee_a")
    original = "Ursprunglig text om hälsan"
    assert post_form(signed_in(app, "employee_a"), talk, {"q_halsa": original}).status_code == 302
    browser = signed_in(app, viewer)
    row_id = (stored_row(app, talk) or {"id": None})["id"]
    tampered = tamper(app, talk)
    before = last_audit_id(app)

    response = browser.get(form_url(talk) if page == "form" else overview_url(talk))

    assert response.status_code == 500
    assert "Posten kunde inte verifieras" in response.text
    assert tampered not in response.text
    assert original not in response.text
    failures = [r for r in audit_since(app, before) if r["action"] == "record.verify"]
    assert [(r["outcome"], r["object_type"], r["object_id"], r["actor_id"]) for r in failures] == [
        ("failed", "preparation", row_id, person(app, viewer).id)
    ]


# --- drafts can be deleted by their author --------------------------------------------------------


def test_the_author_deletes_a_draft_but_never_a_submitted_preparation(app: Flask) -> None:
    client = app.test_client()
    sign_in(client, app, "employee_a")
    talk = talk_of(app, "employee_a")
    page = client.get(form_url(talk))
    client.post(
        form_url(talk),
        data={
            "csrf_token": csrf_token(page.text),
            "version": "0",
            "action": "spara",
            "q_halsa": "Ett utkast jag ångrar",
        },
    )
    page = client.get(form_url(talk))
    assert "Ta bort utkastet" in page.text
    deleted = client.post(f"{form_url(talk)}/ta-bort", data={"csrf_token": csrf_token(page.text)})
    assert deleted.status_code == 302
    assert "Utkastet är borttaget." in client.get(deleted.location).text
    assert conn(app).execute("SELECT count(*) FROM preparations").fetchone()[0] == 0

    page = client.get(form_url(talk))
    client.post(
        form_url(talk),
        data={
            "csrf_token": csrf_token(page.text),
            "version": "0",
            "action": "skicka",
            "q_halsa": "Inskickat",
        },
    )
    page = client.get(form_url(talk))
    assert "Ta bort utkastet" not in page.text
    client.post(f"{form_url(talk)}/ta-bort", data={"csrf_token": csrf_token(page.text)})
    assert conn(app).execute("SELECT count(*) FROM preparations").fetchone()[0] == 1


def test_nobody_else_can_delete_a_draft(app: Flask) -> None:
    author = app.test_client()
    sign_in(author, app, "employee_a")
    talk = talk_of(app, "employee_a")
    page = author.get(form_url(talk))
    author.post(
        form_url(talk),
        data={"csrf_token": csrf_token(page.text), "version": "0", "q_halsa": "Mitt utkast"},
    )
    manager = app.test_client()
    sign_in(manager, app, "manager")
    token = csrf_token(manager.get("/chef").text)
    other = app.test_client()
    sign_in(other, app, "employee_b")
    other_token = csrf_token(other.get("/chef").text)
    before = data_dump(app)
    denied = other.post(f"{form_url(talk)}/ta-bort", data={"csrf_token": other_token})
    assert denied.status_code == 404
    # The manager may delete only the manager's own draft, never the employee's.
    manager.post(f"{form_url(talk)}/ta-bort", data={"csrf_token": token})
    assert data_dump(app) == before
