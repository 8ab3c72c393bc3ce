"""Every public page in English and Uyghur, at desktop width and at 320 px: a screenshot of each,
no horizontal scrolling on a small phone, and no request to any host but this server.

Script is on here only so the test can measure the layout; the pages themselves have none (the
journey in test_journey.py runs with JavaScript off)."""

from __future__ import annotations

import pytest

from .conftest import DESKTOP, PHONE
from .site import PUBLIC_PAGES, walk_public_pages

pytestmark = pytest.mark.browser

# Elements sticking out of the viewport. In a right-to-left page, content that overflows on the
# right (the inline start) cannot be scrolled to and does not count in scrollWidth: check both sides.
MEASURE = """() => {
  const width = document.documentElement.clientWidth;
  const offenders = [];
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('.skip-link, .visually-hidden, .hp')) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (box.right > width + 1 || box.left < -1) {
      const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
        + (el.classList.length ? '.' + [...el.classList].join('.') : '');
      offenders.push(`${name} spans ${Math.round(box.left)}..${Math.round(box.right)}`);
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, clientWidth: width, offenders: offenders.slice(0, 15)};
}"""

WIDTHS = {"desktop": DESKTOP, "phone": PHONE}


@pytest.mark.parametrize("width", ["desktop", "phone"])
@pytest.mark.parametrize("lang", ["en", "ug"])
def test_every_public_page_fits_the_screen_and_asks_only_this_server(open_tab, live_site, shots, lang, width):
    tab = open_tab(viewport=WIDTHS[width], java_script_enabled=True)
    page, shot = tab.page, shots(f"pages-{lang}-{width}")
    problems: list[str] = []

    def seen(name: str) -> None:
        shot.take(page, name)
        if width == "phone":
            measured = page.evaluate(MEASURE)
            if measured["scrollWidth"] > PHONE["width"] or measured["offenders"]:
                problems.append(f"{name} ({page.url}): scrollWidth {measured['scrollWidth']} for a "
                                f"{measured['clientWidth']} px screen; " + "; ".join(measured["offenders"]))

    walk_public_pages(page, live_site, lang, seen)
    assert len(shot.taken) == len(PUBLIC_PAGES)
    assert not problems, "pages wider than a 320 px phone:\n  " + "\n  ".join(problems)
    tab.assert_only_local_requests()
    blocked = [m for m in tab.console_errors if "Content Security Policy" in m]
    assert not blocked, "the pages' own content breaks their Content-Security-Policy:\n  " + "\n  ".join(blocked)
