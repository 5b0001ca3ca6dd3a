"""Keyboard alone, and the pages at 320 px width and at 200 % zoom (WCAG 2.1.1, 2.4.1, 2.4.7,
1.4.4, 1.4.10).

The preparation form is filled in and submitted with Tab, Space, arrow keys and typing only; the
first Tab reaches the skip link, and every element that gets focus shows it. Then the main pages
of each role are shown 320 CSS px wide and at 200 % zoom, must not scroll sideways, and are saved
as screenshots.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

from formserver.siteconfig import load_site_config
from tests.browser.checks import Accessibility
from tests.browser.support import COLLEAGUE, EMPLOYEE, HR, MANAGER, ROOT, Person, Service, today

SITE = load_site_config(ROOT / "site_config")
YEAR = today().year  # the seeded service's round
FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  const group = el.closest('fieldset.choices');
  return {
    tag: el.tagName.toLowerCase(),
    type: el.type || '',
    id: el.id,
    text: (el.textContent || '').trim(),
    label: el.labels && el.labels.length ? el.labels[0].textContent.trim() : '',
    group: group ? group.querySelector('legend').textContent.trim() : '',
    outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0,
    shadow: style.boxShadow !== 'none',
    onScreen: box.width > 0 && box.height > 0 && box.left >= 0 && box.top >= 0,
  };
}"""
SIDEWAYS = """() => {
  const root = document.documentElement;
  const limit = root.clientWidth + 1;
  const wide = [];
  const outside = (el) => el.closest('.table-scroll, .skip-link');
  for (const el of document.querySelectorAll('body *')) {
    if (wide.length < 4 && !outside(el) && el.getBoundingClientRect().right > limit) {
      wide.push(el.outerHTML.slice(0, 90));
    }
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  for (let node = walker.nextNode(); node && wide.length < 8; node = walker.nextNode()) {
    if (!node.textContent.trim() || outside(node.parentElement)) continue;
    range.selectNodeContents(node);
    if (Array.from(range.getClientRects()).some((r) => r.width > 0 && r.right > limit)) {
      const tag = node.parentElement.tagName.toLowerCase();
      wide.push(`text i <${tag}>: ${node.textContent.trim().slice(0, 70)}`);
    }
  }
  return {scroll: root.scrollWidth, client: root.clientWidth, wide: wide};
}"""


def focused(page: Page) -> dict[str, Any]:
    """What has keyboard focus, and whether it shows (outline or box shadow, on screen)."""
    info: dict[str, Any] = page.evaluate(FOCUSED)
    return info


def test_the_preparation_form_works_with_the_keyboard_alone(
    seeded_service: Service, sign_in: Callable[..., Page], a11y: Accessibility
) -> None:
    question_set = SITE.question_sets["goteborg"]
    first_text = next(q for q in question_set.questions() if q.kind == "text")
    yes_no = [q for q in question_set.questions() if q.kind == "yesno"]
    assert len(yes_no) >= 2
    page = sign_in(seeded_service, EMPLOYEE)
    page.get_by_role("link", name=f"Medarbetarsamtal {YEAR} med {MANAGER.name}").click()
    page.get_by_role("link", name="Börja förbereda dig").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Förberedelse inför medarbetarsamtalet {YEAR}"
    )

    page.keyboard.press("Tab")
    skip = focused(page)
    assert skip["text"] == "Hoppa till innehållet", skip
    assert skip["onScreen"] and (skip["outline"] or skip["shadow"]), skip
    a11y.screenshot(page, "tangentbord-hoppa-till-innehallet", full_page=False)
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "innehall", "hopplänken flyttar inte fokus till innehållet"

    typed = "Skrivet med tangentbordet: vi har samma syn på uppdraget."
    answered: dict[str, str] = {}
    unseen: list[dict[str, Any]] = []
    for _ in range(200):
        page.keyboard.press("Tab")
        now = focused(page)
        assert now["tag"] != "body", "fokus försvann ur formuläret"
        if not (now["onScreen"] and (now["outline"] or now["shadow"])):
            unseen.append(now)
        if now["tag"] == "textarea" and now["label"] == first_text.text and not answered:
            page.keyboard.type(typed)
            answered["text"] = typed
        elif now["type"] == "radio" and now["group"] == yes_no[0].text:
            page.keyboard.press("Space")  # checks the first choice, "Ja"
            answered[yes_no[0].id] = "Ja"
        elif now["type"] == "radio" and now["group"] == yes_no[1].text:
            page.keyboard.press("ArrowDown")  # moves to and checks "Nej"
            answered[yes_no[1].id] = "Nej"
            assert focused(page)["label"] == "Nej"
        elif now["tag"] == "button" and now["text"] == "Skicka in":
            a11y.screenshot(page, "tangentbord-skicka-in", full_page=False)
            page.keyboard.press("Enter")
            break
    else:
        raise AssertionError(f"nådde aldrig knappen Skicka in; fyllde i {answered}")
    assert not unseen, f"fokus syns inte på: {unseen}"
    assert set(answered) == {"text", yes_no[0].id, yes_no[1].id}, answered

    expect(page.get_by_role("status")).to_have_text("Din förberedelse är inskickad.")
    expect(page.locator("main")).to_contain_text(typed)
    yes_no_answers = page.locator("dl.answers").last
    expect(yes_no_answers).to_contain_text(f"{yes_no[0].text} Ja")
    expect(yes_no_answers).to_contain_text(f"{yes_no[1].text} Nej")
    a11y.check(page, "tangentbord-inskickad")
    assert not a11y.problems, a11y.report()


def test_pages_reflow_at_320_px_and_at_200_percent_zoom(
    seeded_service: Service,
    sign_in: Callable[..., Page],
    new_browser_context: Callable[..., Any],
    a11y: Accessibility,
) -> None:
    """Browser zoom 200 % in a 1280 px wide window lays the page out 640 CSS px wide at device
    pixel ratio 2; 320 CSS px is WCAG's reflow width (1280 px at 400 %)."""
    zoomed = {"viewport": {"width": 640, "height": 480}, "device_scale_factor": 2}
    pages = collect_pages(seeded_service, sign_in, new_browser_context, zoomed)
    problems = []
    for name, (page, url) in pages.items():
        for label, width in (("200-procent", 640), ("320-px", 320)):
            page.set_viewport_size({"width": width, "height": 640 if width == 320 else 480})
            page.goto(url)
            measured = page.evaluate(SIDEWAYS)
            a11y.screenshot(page, f"{name}-{label}")
            if measured["scroll"] > measured["client"] + 1:
                problems.append(
                    f"{name} ({label}, {url}): sidan är {measured['scroll']} px bred i ett "
                    f"{measured['client']} px fönster och måste rullas i sidled; för breda: "
                    f"{measured['wide']}"
                )
    assert not problems, "\n".join(problems)


def collect_pages(
    service: Service,
    sign_in: Callable[..., Page],
    new_context: Callable[..., Any],
    options: dict[str, Any],
) -> dict[str, tuple[Page, str]]:
    """The main pages of each role, found by following links: name → (page, address)."""
    found: dict[str, tuple[Page, str]] = {}

    def add(name: str, page: Page) -> None:
        found[name] = (page, page.url)

    anonymous = new_context(**options).new_page()
    anonymous.goto(f"{service.url}/")
    add("valkommen", anonymous)
    anonymous.get_by_role("link", name="Be om en ny inloggningslänk").click()
    add("ny-lank", anonymous)
    anonymous.goto(f"{service.url}/handbok/")
    add("handbok-start", anonymous)
    anonymous.goto(f"{service.url}/handbok/fragor/goteborg/")
    add("handbok-fragor", anonymous)

    employee = signed_in(service, sign_in, EMPLOYEE, options)
    add("medarbetare-start", employee)
    employee.get_by_role("link", name=f"Medarbetarsamtal {YEAR} med {MANAGER.name}").click()
    add("medarbetare-samtalet", employee)
    employee.get_by_role("link", name="förbered").click()
    add("medarbetare-forberedelse", employee)

    manager = signed_in(service, sign_in, MANAGER, options)
    manager.get_by_role("link", name="Mina medarbetare", exact=True).first.click()
    add("chef-mina-medarbetare", manager)
    manager.get_by_role("link", name=f"Kalla {COLLEAGUE.name}", exact=True).click()
    add("chef-kalla", manager)
    manager.go_back()
    manager.get_by_role("link", name=EMPLOYEE.name, exact=True).click()
    manager.get_by_role("link", name="Skriv anteckningar och plan").click()
    add("chef-plan", manager)

    hr = signed_in(service, sign_in, HR, options)
    hr.get_by_role("link", name="HR", exact=True).first.click()
    add("hr-oversikt", hr)
    hr.get_by_role("link", name="Läs in personallistan").click()
    add("hr-personallista", hr)
    hr.go_back()
    hr.get_by_role("link", name=f"Samtalsomgång {YEAR}").click()
    add("hr-tackning", hr)
    return found


def signed_in(
    service: Service, sign_in: Callable[..., Page], person: Person, options: dict[str, Any]
) -> Page:
    page = sign_in(service, person, **options)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hej {person.name}")
    return page
