"""axe-core on every public page, in English and Uyghur, at desktop width and at 320 px.

axe is injected by Playwright from tests/browser/node_modules (installed with `npm ci`). The pages'
Content-Security-Policy rightly refuses injected script, so these contexts bypass CSP: for the axe
runs only (test_pages.py walks the same pages with CSP in force). Serious and critical violations
fail the test; every finding, of any impact, is written to test-output/axe/<lang>-<width>.json.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import DESKTOP, PHONE, ROOT
from .site import PUBLIC_PAGES, walk_public_pages

pytestmark = pytest.mark.browser

BLOCKING = ("serious", "critical")
RUN_AXE = """async () => {
  const results = await axe.run(document, {resultTypes: ['violations']});
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html.slice(0, 240),
                              summary: n.failureSummary}))}));
}"""
REPORTS = ROOT / "test-output" / "axe"


def describe(findings: dict[str, list[dict]]) -> str:
    lines = []
    for page_name, violations in findings.items():
        for v in violations:
            lines.append(f"[{v['impact']}] {page_name}: {v['id']} - {v['help']} ({v['helpUrl']})")
            for node in v["nodes"][:5]:
                lines.append(f"    at {node['target']}: {node['html']}")
                lines += ["        " + line for line in (node["summary"] or "").splitlines()]
            if len(v["nodes"]) > 5:
                lines.append(f"    ... and {len(v['nodes']) - 5} more elements")
    return "\n".join(lines)


@pytest.mark.parametrize("width", ["desktop", "phone"])
@pytest.mark.parametrize("lang", ["en", "ug"])
def test_axe_finds_nothing_serious_on_any_public_page(open_tab, live_site, axe_source: Path, lang, width):
    tab = open_tab(viewport=DESKTOP if width == "desktop" else PHONE, java_script_enabled=True, bypass_csp=True)
    page = tab.page
    found: dict[str, list[dict]] = {}

    def seen(name: str) -> None:
        page.add_script_tag(path=str(axe_source))
        found[name] = page.evaluate(RUN_AXE)

    walk_public_pages(page, live_site, lang, seen)
    assert list(found) == list(PUBLIC_PAGES)
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / f"{lang}-{width}.json").write_text(json.dumps(found, indent=2, ensure_ascii=False), encoding="utf-8")

    blocking = {name: [v for v in violations if v["impact"] in BLOCKING] for name, violations in found.items()}
    blocking = {name: violations for name, violations in blocking.items() if violations}
    others = {name: [v for v in violations if v["impact"] not in BLOCKING] for name, violations in found.items()}
    others = {name: violations for name, violations in others.items() if violations}
    if others:
        print(f"\naxe, {lang} at {width} width, moderate and minor findings (not failing):\n" + describe(others))
    assert not blocking, f"axe found serious or critical problems ({lang}, {width}):\n" + describe(blocking)
    tab.assert_only_local_requests()
