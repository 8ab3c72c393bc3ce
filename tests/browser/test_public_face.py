"""The public face's newer behaviour in a real browser, with JavaScript on and off, at 390 px and
1280 px, in English and Uyghur: the proof of work (script) beside the no-script ceiling, the
"add another person" anchor, and the names on the receipt and status pages with an answer given
under a reviewer's question. Screenshots go to test-output/screenshots/public-*/."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from intake import create_app
from intake.extensions import db
from intake.models import Message, MessageKind
from intake.services import families

from .conftest import DESKTOP, LiveServer, serve
from .site import ADD_PERSON, SEND, ask_family, check_language, open_with_receipt, read_receipt, shown, submit, visit

pytestmark = pytest.mark.browser

PHONE_390 = {"width": 390, "height": 844}
WIDTHS = {"desktop": DESKTOP, "phone": PHONE_390}
NAMES = {"en": ("Tursun Ablimit", "Mihrigul Tursun"), "ug": ("تۇرسۇن ئابلىمىت", "مېھرىگۈل تۇرسۇن")}


@pytest.fixture(scope="module")
def strict_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """As behind Tor: nothing at all is allowed per address or under the no-script ceiling, so only a
    form whose proof of work was solved by the page's script goes through."""
    from tests.conftest import make_keys

    base = tmp_path_factory.mktemp("strict-site")
    keys = make_keys(base / "keys")
    app = create_app("test", {
        "INTAKE_FACE": "public", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{base / 'intake.sqlite3'}",
        "SECRET_KEY": secrets.token_hex(32), "INTAKE_RECEIPT_PEPPER": keys.pepper,
        "INTAKE_PUBLIC_KEYS": str(keys.public), "INSTANCE_PATH": str(base / "instance"),
        "INTAKE_POW_BITS": 12, "INTAKE_SUBMIT_RATE_LIMIT": "0/minute", "INTAKE_NOSCRIPT_CEILING": "0/minute",
        "INTAKE_RESHOW_RATE_LIMIT": "10000/minute", "RATELIMIT_STORAGE_URI": "memory://"})
    yield from serve(app, keys)


@pytest.mark.parametrize("width", ["desktop", "phone"])
@pytest.mark.parametrize("lang", ["en", "ug"])
def test_the_script_solves_the_proof_of_work_and_without_it_the_ceiling_holds_the_text(
        open_tab, strict_site, shots, lang, width):
    shot = shots(f"public-pow-{lang}-{width}")
    name = NAMES[lang][0]

    scripted = open_tab(viewport=WIDTHS[width], java_script_enabled=True)
    page = scripted.page
    assert visit(page, f"{strict_site.url}/report?lang={lang}") == 200
    page.fill("#relatives-0-names-0-value", name)
    shot.take(page, "script-form")
    assert submit(page, SEND) == 200  # the submit waits for the solution, then goes through
    read_receipt(page)
    check_language(page, lang)
    shot.take(page, "script-receipt")
    scripted.assert_only_local_requests()

    plain = open_tab(viewport=WIDTHS[width], java_script_enabled=False)
    page = plain.page
    assert visit(page, f"{strict_site.url}/report?lang={lang}") == 200
    page.fill("#relatives-0-names-0-value", name)
    page.fill("#relatives-0-testimony", "kept " + name)
    assert submit(page, SEND) == 429  # the no-script ceiling: here, nothing is allowed
    check_language(page, lang)
    assert page.locator("#held-form input[name='relatives-0-testimony']").get_attribute("value") == "kept " + name
    shot.take(page, "noscript-held")


@pytest.mark.parametrize("script", [False, True], ids=["noscript", "script"])
@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_add_another_person_lands_on_the_new_persons_block(open_tab, live_site, shots, width, script):
    tab = open_tab(viewport=WIDTHS[width], java_script_enabled=script)
    page, shot = tab.page, shots(f"public-anchor-{width}-{'script' if script else 'noscript'}")
    assert visit(page, f"{live_site.url}/report?lang=ug") == 200
    page.fill("#relatives-0-names-0-value", NAMES["ug"][0])
    assert submit(page, ADD_PERSON) == 200
    assert page.url.endswith("#relatives-1")
    block = page.locator("#relatives-1")
    assert block.count() == 1
    top = page.evaluate("() => document.getElementById('relatives-1').getBoundingClientRect().top")
    assert 0 <= top < page.viewport_size["height"], f"the new block is not in view (top at {top})"
    assert page.input_value("#relatives-0-names-0-value") == NAMES["ug"][0]
    shot.take(page, "after-add")


@pytest.mark.parametrize("script", [False, True], ids=["noscript", "script"])
@pytest.mark.parametrize("lang", ["en", "ug"])
def test_names_on_the_receipt_and_status_pages_and_an_answer_under_the_question(
        open_tab, live_site, shots, lang, script):
    tab = open_tab(viewport=PHONE_390 if script else DESKTOP, java_script_enabled=script)
    page, shot = tab.page, shots(f"public-names-{lang}-{'script' if script else 'noscript'}")
    first, second = NAMES[lang]
    assert visit(page, f"{live_site.url}/report?lang={lang}") == 200
    page.fill("#relatives-0-names-0-value", first)
    assert submit(page, ADD_PERSON) == 200
    page.fill("#relatives-1-names-0-value", second)
    assert submit(page, SEND) == 200
    receipt = read_receipt(page)
    people = shown(page.locator("ul.people bdi").all_inner_texts())
    assert len(people) == 2 and people[0].endswith(first) and people[1].endswith(second)
    shot.take(page, "receipt")

    ask_family(live_site, receipt, "?")
    assert open_with_receipt(page, live_site.url, receipt) == 200
    check_language(page, lang)
    listed = shown(page.locator("ul.people > li bdi").all_inner_texts())
    assert listed[0].endswith(first) and listed[1].endswith(second)
    shot.take(page, "status")

    page.fill("form.answer textarea[name=news]", "answer: " + second)
    assert submit(page, "form.answer button[type=submit]") == 200
    assert page.locator("ol.messages > li .meta").count() == 2  # the question's line and "you answered"
    shot.take(page, "answered")
    with live_site.app.app_context():
        submission = families.find_by_receipt(db.session, receipt, check=live_site.receipt_check()).submission
        answer = db.session.scalars(select(Message).where(Message.submission_id == submission.id,
                                                          Message.kind == MessageKind.FROM_FAMILY.value)).one()
        assert answer.in_reply_to_id is not None
    tab.assert_only_local_requests()


@pytest.mark.parametrize("lang", ["en", "ug"])
def test_with_script_an_oversized_file_is_refused_before_anything_is_sent(open_tab, live_site, shots, tmp_path,
                                                                          lang):
    tab = open_tab(viewport=PHONE_390, java_script_enabled=True)
    page, shot = tab.page, shots(f"public-file-limit-{lang}")
    big = tmp_path / "video.mp4"
    big.write_bytes(b"\0" * (live_site.app.config["INTAKE_MAX_ATTACHMENT_BYTES"] + 1))
    assert visit(page, f"{live_site.url}/report?lang={lang}") == 200
    page.fill("#relatives-0-names-0-value", NAMES[lang][0])
    posts_before = sum(1 for url in tab.requests if url.endswith("/report"))
    page.set_input_files("#attachments", str(big))
    page.wait_for_selector("#attachments-client-error li")
    assert "video.mp4" in page.inner_text("#attachments-client-error")
    assert page.eval_on_selector("#attachments", "input => input.files.length") == 0
    assert page.input_value("#relatives-0-names-0-value") == NAMES[lang][0]
    assert sum(1 for url in tab.requests if url.endswith("/report")) == posts_before  # nothing sent
    shot.take(page, "refused")


@pytest.mark.parametrize("width", ["desktop", "phone"])
@pytest.mark.parametrize("lang", ["en", "ug"])
def test_axe_finds_nothing_serious_on_the_held_page(open_tab, strict_site, axe_source, shots, lang, width):
    """The page shown when a limit is hit (reached here with the proof-of-work script blocked)."""
    from .test_accessibility import BLOCKING, RUN_AXE, describe

    tab = open_tab(viewport=WIDTHS[width], java_script_enabled=True, bypass_csp=True)
    page = tab.page
    page.route("**/static/pow.js", lambda route: route.abort())
    assert visit(page, f"{strict_site.url}/report?lang={lang}") == 200
    page.fill("#relatives-0-names-0-value", NAMES[lang][0])
    assert submit(page, SEND) == 429
    check_language(page, lang)
    shots(f"public-held-{lang}-{width}").take(page, "held")
    page.add_script_tag(path=str(axe_source))
    blocking = [v for v in page.evaluate(RUN_AXE) if v["impact"] in BLOCKING]
    assert not blocking, describe({"held": blocking})
