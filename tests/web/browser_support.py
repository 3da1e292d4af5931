"""The dashboard in a real headless Chromium: launch it as the project does, run axe-core, save screenshots.

axe-core comes from npm (``frontend/``) and is vendored by ``scripts/build-frontend.sh`` into
``tests/web/vendor/axe.min.js``, so the tests need no Node. It is added to every page as an init script,
which Chromium runs outside the page's Content Security Policy: the policy itself is left on and checked.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

from .support import BASE

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Violations of WCAG 2.2 AA (and below) that axe-core finds on the page as it is now."""
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_22_AA,
    )
    return [
        {"id": v["id"], "impact": v["impact"], "targets": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]


def assert_accessible(page: Page, name: str) -> None:
    """No axe violations, and a full-page screenshot saved as an artefact either way."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    violations = axe_violations(page)
    assert not violations, f"{name}: {json.dumps(violations, indent=1)}"


def focused(page: Page) -> dict[str, str]:
    """What has keyboard focus: its tag, text, id and background colour (GOV.UK focus is yellow)."""
    return dict(
        page.evaluate(
            """() => {
                const el = document.activeElement;
                return {tag: el.tagName.toLowerCase(), text: (el.innerText || el.value || '').trim(),
                        id: el.id || '', type: el.type || '', background: getComputedStyle(el).backgroundColor};
            }"""
        )
    )


def tab_to(page: Page, text: str | None = None, *, element_id: str | None = None, limit: int = 40) -> dict[str, str]:
    """Press Tab until the focused element has ``text`` (or ``element_id``); fail if it never comes."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = focused(page)
        seen.append(now["text"] or now["id"])
        if (text is not None and now["text"] == text) or (element_id is not None and now["id"] == element_id):
            return now
    raise AssertionError(f"never reached {text or element_id!r} by Tab; focus went through {seen}")


def sign_in(page: Page, base_url: str, label: str = "Development social worker") -> None:
    """Sign in on the development sign-in page as the user with ``label``, as a member of staff would."""
    page.goto(f"{base_url}{BASE}/sign-in")
    page.get_by_label(label).check()
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(f"{base_url}{BASE}/")
