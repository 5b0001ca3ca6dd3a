"""The handbook's inline scripts run by CSP hash where the service serves it, never by
'unsafe-inline': the build lists their hashes, the service puts exactly those in its header."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from formserver.handbook import csp
from formserver.views import handbook as served
from tests.factories import make_service

PAGE = (
    '<!doctype html><html lang="sv"><head><script>var a=1</script>'
    '<script src="x.js"></script><script id="__config" type="application/json">{"a":1}</script>'
    "</head><body><script>\nvar b = '&amp;<b>'\n</script></body></html>"
)


def sha256(script: str) -> str:
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def handbook_csp(hashes: str) -> str:
    return (
        f"default-src 'self'; script-src 'self'{hashes}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; "
        "object-src 'none'"
    )


def site_with_hashes(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    (site / "sida").mkdir(parents=True)
    (site / "index.html").write_text(PAGE, encoding="utf-8")
    (site / "sida" / "index.html").write_text(PAGE.replace("a=1", "a=2"), encoding="utf-8")
    csp.write_hashes(site)
    return site


def test_the_build_lists_the_hash_of_each_inline_script_a_browser_runs(tmp_path: Path) -> None:
    site = site_with_hashes(tmp_path)
    expected = sorted({sha256("var a=1"), sha256("var a=2"), sha256("\nvar b = '&amp;<b>'\n")})
    assert (site / csp.HASHES_FILE).read_text(encoding="utf-8").split() == expected
    assert csp.HASHES_FILE == served.HASHES_FILE


def test_served_handbook_pages_allow_their_scripts_by_hash_and_no_other_inline_script(
    tmp_path: Path,
) -> None:
    site = site_with_hashes(tmp_path)
    hashes = (site / csp.HASHES_FILE).read_text(encoding="utf-8").split()
    for app in make_service(tmp_path, HANDBOOK_DIR=str(site)):
        client = app.test_client()
        for path in ("/handbok/", "/handbok/sida/", "/handbok/finns-inte/"):
            policy = client.get(path).headers["Content-Security-Policy"]
            assert policy == handbook_csp("".join(f" {h}" for h in hashes)), path
        assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
        # The service's own pages keep their own, stricter policy.
        assert "sha256" not in client.get("/").headers["Content-Security-Policy"]


def test_a_line_that_is_not_a_hash_is_ignored_and_no_file_allows_no_inline_script(
    tmp_path: Path,
) -> None:
    site = site_with_hashes(tmp_path)
    good = sha256("var a=1")
    (site / csp.HASHES_FILE).write_text(f"{good}\n'unsafe-inline'\n*\n", encoding="utf-8")
    for app in make_service(tmp_path, HANDBOOK_DIR=str(site)):
        client = app.test_client()
        assert client.get("/handbok/").headers["Content-Security-Policy"] == handbook_csp(
            f" {good}"
        )
        (site / csp.HASHES_FILE).unlink()
        assert client.get("/handbok/").headers["Content-Security-Policy"] == handbook_csp("")
