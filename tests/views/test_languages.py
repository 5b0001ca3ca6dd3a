"""Swedish and English: the browser's language, the person's own choice, and the switcher."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from formserver.siteconfig import ConfigError, load_site_config
from tests.factories import (
    BreakConfig,
    conn,
    csrf_token,
    make_service,
    person,
    sign_in,
    talk_of,
)
from tests.views.prepare_helpers import form_url
from tests.views.soup import parse, text_of

SAME_SITE = {"Sec-Fetch-Site": "same-origin"}


def browser(app: Flask, language: str | None = None) -> FlaskClient:
    """A browser whose Accept-Language asks for `language` (None: sends no header)."""
    client = app.test_client()
    if language:
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    return client


def heading(html: str) -> str:
    return text_of(parse(html).find("h1"))


def language_of(html: str) -> str:
    return str(parse(html).find("html")["lang"])


def test_without_a_choice_the_pages_are_swedish(app: Flask) -> None:
    page = browser(app).get("/")
    assert language_of(page.text) == "sv"
    assert heading(page.text) == "Formulärtjänsten för medarbetarsamtal"


def test_a_browser_asking_for_english_gets_the_sign_in_pages_in_english(app: Flask) -> None:
    client = browser(app, "en-GB,en;q=0.9,sv;q=0.5")
    welcome = client.get("/")
    assert language_of(welcome.text) == "en"
    assert heading(welcome.text) == "The form service for development dialogues"
    assert "Ask for a new sign-in link" in welcome.text
    new_link = client.get("/ny-lank")
    assert heading(new_link.text) == "Ask for a new sign-in link"
    assert "Your email address" in text_of(parse(new_link.text).find("main"))
    refused = client.post("/ny-lank", data={"csrf_token": csrf_token(new_link.text)})
    assert "Enter your email address." in refused.text  # the validator's message, translated


def test_a_language_the_organisation_does_not_offer_falls_back_to_the_default(
    app: Flask,
) -> None:
    page = browser(app, "de-DE,de;q=0.9,fr;q=0.8").get("/")
    assert language_of(page.text) == "sv"


def test_the_employees_pages_in_english(app: Flask) -> None:
    client = browser(app, "en")
    sign_in(client, app, "employee_a")
    talk = talk_of(app, "employee_a")
    home = client.get("/")
    assert "Your development dialogues" in home.text
    overview = client.get(f"/samtal/{talk.id}")
    assert overview.status_code == 200
    assert "Your preparation" in overview.text and "Not decided yet" in overview.text
    form = client.get(form_url(talk))
    text = text_of(parse(form.text).find("main"))
    assert "Preparation for the development dialogue" in text
    assert "Save draft" in text and "Submit" in text
    assert "Förberedelse inför" not in text  # none of the service's own words left in Swedish


def test_the_switcher_is_a_labelled_form_with_each_language_in_its_own_language(
    app: Flask,
) -> None:
    page = parse(browser(app).get("/").text)
    group = page.find("fieldset", class_="language")
    assert text_of(group.find("legend")) == "Språk"
    buttons = {b["value"]: (text_of(b), b["lang"]) for b in group.find_all("button")}
    assert buttons == {"sv": ("Svenska", "sv"), "en": ("English", "en")}
    form = group.find_parent("form")
    assert form["method"] == "post" and form["action"] == "/sprak"
    assert group.find_parent("header") is not None


def test_a_visitor_switches_without_javascript_and_comes_back_to_the_same_page(
    app: Flask,
) -> None:
    client = browser(app)
    response = client.post("/sprak", data={"language": "en", "next": "/ny-lank"}, headers=SAME_SITE)
    assert response.status_code == 303
    assert response.headers["Location"] == "/ny-lank"
    assert heading(client.get("/ny-lank").text) == "Ask for a new sign-in link"


def test_a_visitors_switch_from_another_site_is_refused(app: Flask) -> None:
    client = browser(app)
    for headers in ({}, {"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"}):
        response = client.post("/sprak", data={"language": "en", "next": "/"}, headers=headers)
        assert response.status_code == 400, headers
    assert language_of(client.get("/").text) == "sv"


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:x"]
)
def test_the_switcher_never_redirects_off_site(app: Flask, target: str) -> None:
    response = browser(app).post(
        "/sprak", data={"language": "en", "next": target}, headers=SAME_SITE
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


def test_a_language_not_offered_is_refused(app: Flask) -> None:
    response = browser(app).post("/sprak", data={"language": "de", "next": "/"}, headers=SAME_SITE)
    assert response.status_code == 400


def switch_signed_in(client: FlaskClient, language: str, **extra: str) -> int:
    page = client.get("/")
    data = {"language": language, "next": "/", "csrf_token": csrf_token(page.text), **extra}
    return client.post("/sprak", data=data).status_code


def test_a_signed_in_persons_choice_is_stored_audited_and_beats_the_browser(
    app: Flask,
) -> None:
    first = browser(app, "sv")
    sign_in(first, app, "employee_a")
    assert switch_signed_in(first, "en") == 303
    employee = person(app, "employee_a")
    row = conn(app).execute("SELECT language FROM people WHERE id = ?", (employee.id,)).fetchone()
    assert row[0] == "en"
    audit = (
        conn(app)
        .execute("SELECT actor_id, detail FROM audit_log WHERE action = 'person.language'")
        .fetchall()
    )
    assert [tuple(a) for a in audit] == [(employee.id, "en")]
    # A new session on another browser that asks for Swedish: the stored choice wins.
    second = browser(app, "sv")
    sign_in(second, app, "employee_a")
    home = second.get("/")
    assert language_of(home.text) == "en" and "Your development dialogues" in home.text


def test_a_choice_made_before_signing_in_becomes_the_persons_own(app: Flask) -> None:
    visitor = browser(app, "sv")
    visitor.post("/sprak", data={"language": "en", "next": "/"}, headers=SAME_SITE)
    sign_in(visitor, app, "employee_a")
    assert language_of(visitor.get("/").text) == "en"
    employee = person(app, "employee_a")
    stored = conn(app).execute("SELECT language FROM people WHERE id = ?", (employee.id,))
    assert stored.fetchone()[0] == "en"  # so her e-mails and reminders are in English too
    audit = conn(app).execute(
        "SELECT actor_id, detail FROM audit_log WHERE action = 'person.language'"
    )
    assert [tuple(a) for a in audit] == [(employee.id, "en; valt före inloggningen")]
    # Once stored, the cookie is not written again.
    visitor.get("/")
    count = conn(app).execute("SELECT count(*) FROM audit_log WHERE action = 'person.language'")
    assert count.fetchone()[0] == 1


def test_a_signed_in_switch_needs_the_csrf_token(app: Flask) -> None:
    client = browser(app)
    sign_in(client, app, "employee_a")
    assert switch_signed_in(client, "en", csrf_token="forged") == 400
    row = (
        conn(app)
        .execute("SELECT language FROM people WHERE id = ?", (person(app, "employee_a").id,))
        .fetchone()
    )
    assert row[0] is None


def test_dates_follow_the_language(app: Flask) -> None:
    from formserver.common.clock import local_date, local_time

    assert local_time("2026-12-08T09:00:00+00:00") == "2026-12-08 kl. 10.00"
    assert local_time("2026-12-08T09:00:00+00:00", "en") == "8 December 2026 at 10:00"
    assert local_date("2026-06-01T22:30:00+00:00", "en") == "2 June 2026"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "languages: [sv, en]",
            "languages: [sv, de]",
            "organisation.yml, rad 22, fält languages[2]: ”de” är inte ett språk som tjänsten har.",
        ),
        ("languages: [sv, en]", "languages: [sv, sv]", "Samma språk står flera gånger."),
        (
            "default_language: sv",
            "default_language: fi",
            "organisation.yml, rad 23, fält default_language: ”fi” finns inte bland languages "
            "(sv, en). Välj ett av dem.",
        ),
    ],
)
def test_organisation_languages_are_validated(
    broken_config: BreakConfig, old: str, new: str, message: str
) -> None:
    root = broken_config("organisation.yml", old, new)
    with pytest.raises(ConfigError) as caught:
        load_site_config(root)
    assert message in str(caught.value)


def test_an_organisation_offering_only_swedish_shows_no_switcher(
    broken_config: BreakConfig, tmp_path: Path
) -> None:
    root = broken_config("organisation.yml", "languages: [sv, en]", "languages: [sv]")
    for app in make_service(tmp_path, SITE_CONFIG_DIR=str(root)):
        page = browser(app, "en").get("/")
        assert language_of(page.text) == "sv"
        assert parse(page.text).find("fieldset", class_="language") is None


def test_every_page_a_manager_and_hr_open_is_english_for_an_english_reader(app: Flask) -> None:
    talk = talk_of(app, "employee_a")
    rounds = conn(app).execute("SELECT id FROM rounds").fetchall()
    pages = {
        "manager": [
            "/chef",
            f"/samtal/{talk.id}",
            f"/samtal/{talk.id}/kalla",
            f"/samtal/{talk.id}/plan",
            f"/samtal/{talk.id}/plan/versioner",
            f"/samtal/{talk.id}/uppfoljning",
            f"/samtal/{talk.id}/stall-in",
            "/kontrollera-kod",
        ],
        "hr": [
            "/hr/",
            "/hr/personal",
            "/hr/samtalsomgangar/ny",
            *(f"/hr/samtalsomgangar/{r[0]}" for r in rounds),
            *(f"/samtalsomgangar/{r[0]}/lagg-till" for r in rounds),
        ],
    }
    assert rounds
    for role, paths in pages.items():
        client = browser(app, "en")
        sign_in(client, app, role)
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, (role, path)
            assert language_of(response.text) == "en", path
            header = text_of(parse(response.text).find("header"))
            assert "Signed in as" in header and "Sign out" in header, path
            main = text_of(parse(response.text).find("main"))
            left = [w for w in SERVICE_WORDS if w in main]
            assert left == [], (path, left)


# Words of the service's own pages (never of the question sets, which are site_config data).
SERVICE_WORDS = ["Tillbaka till", "Ladda ner", "Samtalsomgång", "Mina medarbetare", "Logga in"]


def test_the_handbook_links_lead_to_the_handbook_in_the_readers_language(app: Flask) -> None:
    """The menu's handbook link and the footer's routine link: Swedish at the handbook's root,
    English under en/ (the handbook's own language switcher, mkdocs-static-i18n)."""
    for language, folder in (("sv", ""), ("en", "en/")):
        page = parse(browser(app, language).get("/").text)
        links = {text_of(a): a["href"] for a in page.find_all("a") if "/handbok/" in a["href"]}
        handbook = "Handbook" if language == "en" else "Handboken"
        assert links[handbook] == f"http://127.0.0.1:5000/handbok/{folder}", links
        routine = {href for href in links.values() if href.endswith("hela-rutinen/")}
        assert routine == {f"http://127.0.0.1:5000/handbok/{folder}hela-rutinen/"}, links
