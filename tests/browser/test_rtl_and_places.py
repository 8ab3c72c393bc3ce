"""Right-to-left order and place names, as Chromium renders them.

- In Uyghur, every date, multi-part number and handle reads left to right where it is drawn: the
  test measures each character's box (a Range per character) and fails if any token would read
  backwards, e.g. "2026-11-30" drawn as "30-11-2026", or is split across two lines. Every
  isolating element must compute to direction ltr and unicode-bidi isolate, and the receipt's digit
  groups must be drawn in order.
- The county picker in every language shows labels in that language's script (and Turkish
  spelling), no English inside another language and no non-place; it fits a 390 px phone.
- axe finds nothing on the report form in Kazakh, Russian and Turkish.

Pages run with JavaScript on and off (Playwright measures from outside the page either way), at
390 px and 1280 px; screenshots go to test-output/screenshots/.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.place_labels import label_problems

from .conftest import DESKTOP
from .site import ADD_PERSON, NEWS_SEND, SEND, ask_family, read_receipt, submit, visit
from .test_accessibility import RUN_AXE, describe

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
WIDTHS = {"phone": PHONE, "desktop": DESKTOP}
PICKER = "#relatives-0-home_county"

# Every token that must read left to right (dates, grouped or separated numbers, handles), outside
# what a family or reviewer typed (their own text keeps the direction they wrote it in): each
# character's box must lie right of the one before it, on the same line. Then every element that
# isolates a value must compute to ltr and isolate.
READING_ORDER = r"""() => {
  const TOKEN = /\d+(?:[-\/.:]\d+)+|[A-Z]-[0-9A-Z]{4,6}-[0-9A-Z]{4,6}/g;
  const skip = el => el.closest('script, style, textarea, select, [dir=auto], .message-text');
  const problems = [];
  let tokens = 0;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.parentElement || skip(node.parentElement)) continue;
    for (const match of node.data.matchAll(TOKEN)) {
      let last = null;
      for (let i = match.index; i < match.index + match[0].length; i++) {
        const range = document.createRange();
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        const box = range.getBoundingClientRect();
        if (box.width === 0) continue;
        const where = `(in <${node.parentElement.tagName.toLowerCase()}>)`;
        if (last && Math.abs(box.top - last.top) >= 2) {
          problems.push(`"${match[0]}" is split across lines ${where}`);
          break;
        }
        if (last && box.left < last.left) {
          problems.push(`"${match[0]}" is drawn out of order ${where}`);
          break;
        }
        last = box;
      }
      tokens += 1;
    }
  }
  for (const el of document.querySelectorAll('bdi[dir=ltr], .receipt, .handle')) {
    const style = getComputedStyle(el);
    if (style.direction !== 'ltr' || !['isolate', 'isolate-override', 'plaintext'].includes(style.unicodeBidi)) {
      const shown = `<${el.tagName.toLowerCase()}> "${el.textContent.trim()}"`;
      problems.push(`${shown} computes to ${style.direction}/${style.unicodeBidi}`);
    }
  }
  const groups = [...document.querySelectorAll('.receipt .receipt-group')].map(g => g.getBoundingClientRect());
  for (let i = 1; i < groups.length; i++) {
    if (Math.abs(groups[i].top - groups[i - 1].top) < 2 && groups[i].left < groups[i - 1].left) {
      problems.push(`receipt group ${i + 1} is drawn before group ${i}`);
    }
  }
  return {tokens, isolated: document.querySelectorAll('bdi[dir=ltr]').length, problems};
}"""


def reading_order(page, name: str, problems: list[str]) -> dict:  # noqa: ANN001
    result = page.evaluate(READING_ORDER)
    problems += [f"{name}: {p}" for p in result["problems"]]
    return result


@pytest.mark.parametrize("width", sorted(WIDTHS))
@pytest.mark.parametrize("script", ["js-on", "js-off"])
def test_dates_numbers_and_handles_keep_their_order_in_uyghur(open_tab, live_site, shots, script, width):
    tab = open_tab(viewport=WIDTHS[width], java_script_enabled=script == "js-on", locale="ug-CN")
    page, base, shot = tab.page, live_site.url, shots(f"rtl-ug-{script}-{width}")
    problems: list[str] = []

    # The form: two people, then mistakes whose messages carry numbers (years, an ID's length).
    assert visit(page, f"{base}/report?lang=ug") == 200
    page.fill("#relatives-0-names-0-value", "ئابدۇرېھىم ئابدۇللا")
    assert submit(page, ADD_PERSON) == 200
    page.fill("#relatives-1-names-0-value", "مېھرىگۈل تۇرسۇن")
    page.fill("#relatives-0-id_number", "65310119840617")
    page.fill("#relatives-1-birth-year", "1850")
    assert submit(page, SEND) == 422
    result = reading_order(page, "form with errors", problems)
    assert result["isolated"] >= 4, "the legends and labels of the people carry no isolated numbers"
    shot.take(page, "form-errors")

    page.fill("#relatives-0-id_number", "")
    page.fill("#relatives-1-birth-year", "1984")
    assert submit(page, SEND) == 200
    receipt = read_receipt(page)
    reading_order(page, "receipt", problems)
    shot.take(page, "receipt")

    # A reviewer asks about the second person; the family opens the status page and adds news.
    ask_family(live_site, receipt, "ئۇنىڭ 2018-يىلى نەگە ئېلىپ كېتىلگەنلىكىنى بىلەمسىز؟")
    assert visit(page, f"{base}/status") == 200
    page.fill("#receipt", receipt)
    assert submit(page, "main form[action$='/status'] button[type=submit]") == 200
    people = page.eval_on_selector("#report", "select => [...select.options].map(o => o.value).filter(Boolean)")
    assert len(people) == 2
    page.fill("#news", "ئۇ يۆتكەلدى")
    page.select_option("#report", people[1])
    page.select_option("#new_status", "sentenced")
    assert submit(page, NEWS_SEND) == 200
    result = reading_order(page, "status", problems)
    # The date it was sent, the reviewers' message and the news: all measured.
    assert result["tokens"] >= 3, f"too few dates measured on the status page: {result}"
    assert result["isolated"] >= 5, f"too few isolated values on the status page: {result}"
    shot.take(page, "status")

    assert not problems, "text drawn in the wrong order in Uyghur:\n  " + "\n  ".join(problems)
    tab.assert_only_local_requests()


@pytest.mark.parametrize("width", sorted(WIDTHS))
@pytest.mark.parametrize("script", ["js-on", "js-off"])
@pytest.mark.parametrize(("lang", "county", "shown"), [
    ("kk", "654002", "Құлжа қаласы"), ("ru", "654002", "город Кульджа (Инин)"), ("tr", "653125", "Yarkent İlçesi"),
    ("ug", "653125", "يەكەن ناھىيىسى"), ("zh_Hans", "659001", "石河子市"), ("en", "659000", "XPCC (Bingtuan) cities"),
])
def test_the_county_picker_speaks_the_language_of_the_page(open_tab, live_site, shots, lang, county, shown,
                                                           script, width):
    tab = open_tab(viewport=WIDTHS[width], java_script_enabled=script == "js-on")
    page, shot = tab.page, shots(f"places-{lang}-{script}-{width}")
    assert visit(page, f"{live_site.url}/report?lang={lang}") == 200
    options = page.eval_on_selector(PICKER, """select => [...select.options].map(o => ({value: o.value,
        label: o.label, group: o.parentElement.tagName === 'OPTGROUP' ? o.parentElement.label : ''}))""")
    assert len(options) > 100, "the county picker is missing or empty"
    labels = sorted({o["label"] for o in options} | {o["group"] for o in options if o["group"]})
    wrong = label_problems(lang, labels)
    assert not wrong, f"{lang}: " + "; ".join(wrong[:10])

    page.select_option(PICKER, county)
    assert shown in page.eval_on_selector(PICKER, "select => select.selectedOptions[0].label")
    box = page.locator(PICKER).bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= WIDTHS[width]["width"], \
        f"the picker sticks out of a {WIDTHS[width]['width']} px screen: {box}"
    page.locator(PICKER).scroll_into_view_if_needed()
    shot.take(page, f"report-{county}")
    tab.assert_only_local_requests()


@pytest.mark.parametrize("lang", ["kk", "ru", "tr"])
def test_axe_finds_nothing_on_the_form_in_kazakh_russian_and_turkish(open_tab, live_site, axe_source: Path, lang):
    tab = open_tab(viewport=PHONE, java_script_enabled=True, bypass_csp=True)
    page = tab.page
    assert visit(page, f"{live_site.url}/report?lang={lang}") == 200
    page.add_script_tag(path=str(axe_source))
    violations = page.evaluate(RUN_AXE)
    assert not violations, f"axe on the {lang} form:\n" + describe({f"report-{lang}": violations})
