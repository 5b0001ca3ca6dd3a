"""Running in production: behind a reverse proxy, a Host not served, the handbook's links and
compression, and the commands before any setting is made."""

from __future__ import annotations

import gzip
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from formserver import siteconfig
from tests.factories import PEOPLE, conn, csrf_token, make_service, sent_after_response
from tests.smtp import HOST, LoopbackSMTP

ANNA = PEOPLE["employee_a"].split(";")[2]

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; "
        "object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


@pytest.fixture
def hosted(tmp_path: Path) -> Iterator[Flask]:
    """A service that answers only to samtal.example.se, behind one proxy."""
    yield from make_service(tmp_path, TRUSTED_HOSTS=["samtal.example.se"], PROXY_COUNT=1)


def test_a_host_not_served_gets_a_swedish_400_with_every_header_and_no_traceback(
    hosted: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    hosted.testing = False  # errors are handled as in production, not raised into the test
    with caplog.at_level(logging.DEBUG):
        response = hosted.test_client().get("/", headers={"Host": "evil.example.com"})

    assert response.status_code == 400
    assert '<html lang="sv">' in response.text
    assert "<h1>Fel adress</h1>" in response.text
    assert "Använd länken i din kallelse" in response.text
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value
    assert "Traceback" not in caplog.text and not [r for r in caplog.records if r.exc_info]
    # The page's stylesheet is served, on the right host.
    with hosted.test_client().get(
        "/static/service.css", headers={"Host": "samtal.example.se"}
    ) as css:
        assert css.status_code == 200 and css.mimetype == "text/css"


def test_behind_the_proxy_https_is_seen_and_gets_hsts(hosted: Flask) -> None:
    client = hosted.test_client()
    secure = client.get("/", headers={"Host": "samtal.example.se", "X-Forwarded-Proto": "https"})
    plain = client.get("/", headers={"Host": "samtal.example.se"})

    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in plain.headers


def test_without_proxy_count_forwarded_headers_are_not_believed(tmp_path: Path) -> None:
    for app in make_service(tmp_path):
        response = app.test_client().get("/", headers={"X-Forwarded-Proto": "https"})
        assert "Strict-Transport-Security" not in response.headers


def _ask_from(app: Flask, address: str, client_ip: str) -> None:
    """Ask for a link as a visitor at `client_ip`, through the proxy on 127.0.0.1."""
    browser = app.test_client()
    headers = {"Host": "samtal.example.se", "X-Forwarded-For": client_ip}
    form = browser.get("/ny-lank", headers=headers)
    response = browser.post(
        "/ny-lank",
        data={"csrf_token": csrf_token(form.text), "email": address},
        headers=headers,
    )
    assert response.status_code == 200
    assert "<h1>Kolla din e-post</h1>" in response.text


def test_behind_the_proxy_one_client_cannot_use_up_everyone_elses_links(
    tmp_path: Path, smtp_server: LoopbackSMTP
) -> None:
    for app in make_service(
        tmp_path,
        TRUSTED_HOSTS=["samtal.example.se"],
        PROXY_COUNT=1,
        SMTP_HOST=HOST,
        SMTP_PORT=smtp_server.port,
    ):
        per_client = app.config["NEW_LINK_LIMIT_PER_HOUR"] * 4
        # One client, through the proxy, asks as often as it may, and more: it is held back.
        for n in range(per_client + 3):
            _ask_from(app, f"okand.{n}@example.se", "198.51.100.7")
        _ask_from(app, ANNA, "198.51.100.7")
        sent_after_response(app)
        assert smtp_server.messages == []
        # Anna, another client behind the same proxy, still gets her link.
        _ask_from(app, ANNA, "203.0.113.20")
        sent_after_response(app)
        assert smtp_server.rcpt_tos == [[ANNA]]
        # The audit log names the real clients, not the proxy.
        clients = [
            (r["client"], r["outcome"])
            for r in conn(app).execute(
                "SELECT client, outcome FROM audit_log WHERE action = 'new_link' ORDER BY id"
            )
        ]
        assert clients[-2:] == [("198.51.100.7", "rate_limited"), ("203.0.113.20", "sent")]
        assert "127.0.0.1" not in {c for c, _ in clients}


def test_links_to_the_handbook_go_to_its_published_address(tmp_path: Path) -> None:
    for app in make_service(tmp_path):
        page = app.test_client().get("/")
        with app.app_context():
            url = siteconfig.current().organisation.handbook_url
        assert f'href="{url}"' in page.text
        assert 'href="/handbok/"' not in page.text
        assert app.test_client().get("/handbok/").status_code == 404


def test_a_served_handbook_goes_out_compressed(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "forbered").mkdir(parents=True)
    html = "<!doctype html><title>Förbered</title>" + "<p>Förbered dig.</p>" * 200
    (site / "forbered" / "index.html").write_text(html, encoding="utf-8")
    for app in make_service(tmp_path, HANDBOOK_DIR=str(site)):
        client = app.test_client()
        packed = client.get("/handbok/forbered/", headers={"Accept-Encoding": "gzip"})
        plain = client.get("/handbok/forbered/")
        missing = client.get("/handbok/../test.sqlite3")

        assert packed.headers["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in packed.headers["Vary"]
        assert gzip.decompress(packed.data).decode() == html
        assert len(packed.data) < len(html.encode()) / 4
        assert plain.text == html and "Content-Encoding" not in plain.headers
        assert missing.status_code == 404


def _formserver(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FORMSERVER_", "FLASK_"))}
    command = [sys.executable, "-c", "from formserver.cli.main import main; main()", *args]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=60)


def test_help_lists_every_command_without_any_setting(tmp_path: Path) -> None:
    result = _formserver("--help", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    for command in ("import-roster", "grant-hr", "backup", "check-config", "verify-plan"):
        assert f"  {command} " in result.stdout
    assert "Traceback" not in result.stderr


def test_a_command_that_needs_the_app_says_what_is_missing(tmp_path: Path) -> None:
    result = _formserver("init-db", cwd=tmp_path)

    assert result.returncode == 1
    assert "Formulärtjänsten startar inte" in result.stderr
    assert "FORMSERVER_SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr and "Error:" not in result.stderr


def test_check_config_prints_the_self_check_without_starting(tmp_path: Path) -> None:
    unsafe = _formserver("check-config", cwd=tmp_path)
    env_ok = {
        "FORMSERVER_SECRET_KEY": "k" * 48,
        "FORMSERVER_SESSION_COOKIE_SECURE": "true",
        "FORMSERVER_TRUSTED_HOSTS": '["samtal.example.se"]',
        "FORMSERVER_PUBLIC_URL": "https://samtal.example.se",
        "FORMSERVER_DATABASE": str(tmp_path / "samtal.sqlite3"),
    }
    safe = subprocess.run(
        [sys.executable, "-c", "from formserver.cli.main import main; main()", "check-config"],
        cwd=tmp_path,
        env={**os.environ, **env_ok},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert unsafe.returncode == 1
    assert "SESSION_COOKIE_SECURE ska vara true" in unsafe.stderr
    assert safe.returncode == 0, safe.stderr
    assert "Konfigurationen är i ordning" in safe.stdout
    assert f"Databas: {tmp_path / 'samtal.sqlite3'}" in safe.stdout
    assert not (tmp_path / "samtal.sqlite3").exists()  # nothing was started or created
