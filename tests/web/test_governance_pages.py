"""The governance pages in headless Chromium: the agreement register, a resident's consent and objections,
break-glass with its mandatory reason, the DPO's review list and the resident's disclosure log.

Each page renders for a role the agreements allow and is refused (403, with the gate's reason) to one they do
not; an objection recorded by a social worker changes what the housing officer's resident page shows; a
break-glass look appears in the disclosure log and the DPO's list; every page and error state passes axe-core.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from joinedup.api import create_app
from joinedup.store import Database
from joinedup.store.governance_records import BreakGlassFlag, BreakGlassReviews

from ..api.support import serve
from .governance_place import BORN, FAMILY, RESIDENT, load_governance_place
from .support import BASE, dashboard_settings

sync_api = pytest.importorskip("playwright.sync_api", reason="the 'browser' extra is not installed")
if not os.path.exists("/usr/bin/chromium"):
    pytest.skip("no Chromium: run scripts/install-browser.sh", allow_module_level=True)

from playwright.sync_api import Page  # noqa: E402

from .browser_support import assert_accessible, focused, tab_to  # noqa: E402

HOUSING_OFFICER = "Development housing officer"
SOCIAL_WORKER = "Development social worker"
DPO = "Development data protection officer"
REASON = "Resident collapsed at the housing office; paramedics asked about conditions"


@dataclass(frozen=True)
class Hub:
    base_url: str
    database: Database

    def url(self, path: str) -> str:
        return f"{self.base_url}{BASE}{path}"


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[Hub]:
    """A fresh database per test (the tests record consents and break-glass looks) behind the real app."""
    database = Database(f"sqlite:///{tmp_path / 'web.db'}")
    database.migrate()
    load_governance_place(database)
    with serve(create_app(dashboard_settings(database.url, environment="test"), database)) as client:
        yield Hub(str(client.base_url).rstrip("/").replace("127.0.0.1", "localhost"), database)
    database.dispose()


def _sign_in(page: Page, hub: Hub, label: str) -> None:
    page.context.clear_cookies()
    page.goto(hub.url("/sign-in"))
    page.get_by_label(label).check()
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(hub.url("/"))


def _refused(page: Page, hub: Hub, path: str, reason: str) -> None:
    response = page.goto(hub.url(path))
    assert response is not None and response.status == 403, path
    assert page.get_by_role("heading", name="You cannot do that").is_visible()
    assert reason in page.locator("#forbidden-reason").inner_text(), page.locator("#forbidden-reason").inner_text()


def test_the_agreement_register_shows_every_agreement_and_what_a_new_version_changed(page: Page, hub: Hub) -> None:
    _sign_in(page, hub, HOUSING_OFFICER)  # any member of staff: the register holds no personal data
    page.get_by_role("link", name="Governance", exact=True).first.click()
    page.wait_for_url(hub.url("/agreements"))
    card = page.locator("#kettleby-safeguarding-children")
    text = card.inner_text()
    assert "Kettleby Police" in text and "version 3.0" in text
    assert "Art 9(2) substantial-public-interest" in text and "paragraph 18" in text
    assert "Director of Children's Services" in text and "25 years" in text
    assert "health.summary" in text and "(special category)" in text
    housing = page.locator("#kettleby-housing-management")
    housing.get_by_text("What version 1.2 changed from version 1.1").click()  # a details element opens
    diff = housing.locator("details").inner_text()
    assert "kettleby-council (housing-officer) may receive person.contact_points for housing-management" in diff
    assert "review_date changed" in diff
    assert page.locator(".govuk-summary-card .govuk-tag").count() == page.locator(".govuk-summary-card").count()
    assert_accessible(page, "governance-agreements")


def test_each_page_refuses_a_role_no_agreement_allows_with_the_gates_reason(page: Page, hub: Hub) -> None:
    _sign_in(page, hub, HOUSING_OFFICER)
    no_agreement = "No agreement in force lets kettleby-council (housing-officer) receive"
    _refused(page, hub, f"/residents/{RESIDENT}/consents", no_agreement + " governance.consents")
    assert_accessible(page, "governance-consents-refused")
    _refused(page, hub, f"/residents/{RESIDENT}/disclosures", no_agreement + " audit.disclosures")
    _refused(page, hub, "/break-glass", no_agreement + " audit.disclosures")

    _sign_in(page, hub, SOCIAL_WORKER)  # may record consents, but the disclosure log is the DPO's
    assert page.goto(hub.url(f"/residents/{RESIDENT}/consents")).status == 200  # type: ignore[union-attr]
    _refused(page, hub, f"/residents/{RESIDENT}/disclosures", "(social-worker) receive audit.disclosures")

    _sign_in(page, hub, DPO)
    for path in (f"/residents/{RESIDENT}/consents", f"/residents/{RESIDENT}/disclosures", "/break-glass"):
        assert page.goto(hub.url(path)).status == 200, path  # type: ignore[union-attr]


def test_an_objection_recorded_by_a_social_worker_changes_what_the_housing_officer_sees(page: Page, hub: Hub) -> None:
    resident_page = hub.url(f"/residents/{RESIDENT}?purpose=housing-management")
    _sign_in(page, hub, HOUSING_OFFICER)
    page.goto(resident_page)
    assert FAMILY in page.locator("#golden").inner_text(), "before the objection the officer sees the name"

    _sign_in(page, hub, SOCIAL_WORKER)
    page.goto(hub.url(f"/residents/{RESIDENT}?purpose=safeguarding-enquiry"))
    page.locator("#governance-links").get_by_role("link", name="Consent and objections").click()
    page.wait_for_url(hub.url(f"/residents/{RESIDENT}/consents"))
    assert page.locator("#no-consents").is_visible()
    assert_accessible(page, "governance-consents")

    form = page.locator("#record-consent")
    form.get_by_label("Until (optional)").fill("31/02/2027")  # and nothing else: the errors first
    form.get_by_role("button", name="Record").click()
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "Select whether the resident gives consent or objects" in summary
    assert "Enter the evidence" in summary and "Enter the end date as day/month/year" in summary
    assert page.title().startswith("Error: ")
    assert_accessible(page, "governance-consents-error")

    form.get_by_label("They object").check()
    form.get_by_label("Sharing their information (consent to share)").check()
    form.get_by_label("Organisation").select_option("kettleby-council")
    form.get_by_label("Role").select_option("housing-officer")
    form.get_by_label("managing tenancies and the council's homelessness duties").check()
    form.get_by_label("Until (optional)").fill("")
    form.get_by_label("Evidence").fill("signed objection form ref OB-1")
    form.get_by_role("button", name="Record").click()
    assert "Recorded C-" in page.locator(".govuk-notification-banner").inner_text()
    card = page.locator(".app-consent").first
    assert "Objection to share" in card.inner_text() and "Active" in card.inner_text()
    assert "managing tenancies" in card.inner_text() and "Housing officer" in card.inner_text()
    assert RESIDENT in page.url and FAMILY not in page.url  # nothing personal in the address

    _sign_in(page, hub, HOUSING_OFFICER)
    page.goto(resident_page)
    assert page.locator("#golden").count() == 0 or FAMILY not in page.locator("#golden").inner_text()
    assert "the resident objected" in page.locator("#withheld").inner_text()

    _sign_in(page, hub, SOCIAL_WORKER)  # withdrawing needs a reason
    page.goto(hub.url(f"/residents/{RESIDENT}/consents"))
    page.get_by_role("button", name="Withdraw").click()
    assert "Enter why the consent or objection is withdrawn" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page, "governance-consents-withdraw-error")
    page.locator(".app-consent input[name=reason]").fill("the resident changed their mind")
    page.get_by_role("button", name="Withdraw").click()
    assert "Withdrew C-" in page.locator(".govuk-notification-banner").inner_text()
    assert "Withdrawn" in page.locator(".app-consent").first.inner_text()
    assert page.get_by_role("button", name="Withdraw").count() == 0


def test_break_glass_by_keyboard_alone_then_the_log_and_the_dpos_review(page: Page, hub: Hub) -> None:
    _sign_in(page, hub, HOUSING_OFFICER)
    page.goto(hub.url(f"/residents/{RESIDENT}/break-glass"))
    assert_accessible(page, "governance-break-glass")

    button = tab_to(page, "Break the glass and show the record")
    assert button["tag"] == "button"
    page.keyboard.press("Enter")  # no reason: the GOV.UK error summary, which takes focus
    page.wait_for_selector(".govuk-error-summary")
    assert "Enter why you need to see this record now" in page.locator(".govuk-error-summary").inner_text()
    assert focused(page)["tag"] == "div", "the error summary takes focus"
    assert_accessible(page, "governance-break-glass-error")
    assert not open_reviews(hub.database), "no look without a reason"

    link = tab_to(page, "Enter why you need to see this record now, and what the risk to life is")
    assert link["tag"] == "a"
    page.keyboard.press("Enter")  # the summary's link moves focus to the field
    assert focused(page)["id"] == "reason"
    page.keyboard.type(REASON)
    tab_to(page, "Break the glass and show the record")
    page.keyboard.press("Enter")
    page.wait_for_selector("#break-glass-warning")
    assert "flagged for the data protection officer's review" in page.locator("#break-glass-warning").inner_text()
    released = page.locator("#released").inner_text()
    assert FAMILY in released and BORN in released, "break-glass releases what no agreement gives the officer"
    assert_accessible(page, "governance-break-glass-released")
    (flag,) = open_reviews(hub.database)
    assert flag.subject == RESIDENT and flag.reason == REASON

    _sign_in(page, hub, DPO)
    page.goto(hub.url(f"/residents/{RESIDENT}/disclosures"))
    rows = page.locator("#disclosure-log tbody tr")
    emergency = page.locator("#disclosure-log tbody tr.app-break-glass")
    assert emergency.count() == 1 and "Break-glass" in emergency.inner_text()
    assert "Kettleby District Council, Housing officer" in emergency.inner_text()
    assert "dev-0002" not in page.locator("#disclosure-log").inner_text(), "the log never names the person"
    assert rows.count() >= 1
    assert_accessible(page, "governance-disclosure-log")

    page.goto(hub.url("/break-glass"))
    review = page.locator(f"#review-{flag.id}")
    assert REASON in review.inner_text() and RESIDENT in review.inner_text()
    assert_accessible(page, "governance-break-glass-reviews")
    review.get_by_role("button", name="Close review").click()
    assert "Enter your finding" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page, "governance-break-glass-reviews-error")
    page.locator(f"#finding-{flag.id}").fill("justified: risk to life")
    page.locator(f"#review-{flag.id}").get_by_role("button", name="Close review").click()
    assert f"Closed review {flag.id}" in page.locator(".govuk-notification-banner").inner_text()
    assert page.locator("#no-reviews").is_visible()
    assert not open_reviews(hub.database)


def test_governance_forms_without_the_token_are_refused(page: Page, hub: Hub) -> None:
    _sign_in(page, hub, HOUSING_OFFICER)
    page.goto(hub.url(f"/residents/{RESIDENT}/break-glass"))
    page.locator("main input[name=csrf_token]").evaluate("input => input.remove()")
    page.get_by_label("Why do you need to see this record now?").fill(REASON)
    with page.expect_response(hub.url(f"/residents/{RESIDENT}/break-glass")) as answer:
        page.get_by_role("button", name="Break the glass and show the record").click()
    assert answer.value.status == 403
    assert "The form could not be accepted" in page.locator("#forbidden-reason").inner_text()
    assert FAMILY not in page.content()
    assert not open_reviews(hub.database)

    _sign_in(page, hub, SOCIAL_WORKER)
    page.goto(hub.url(f"/residents/{RESIDENT}/consents"))
    page.locator("#record-consent input[name=csrf_token]").evaluate("input => input.remove()")
    page.get_by_label("They object").check()
    page.get_by_label("Sharing their information (consent to share)").check()
    page.get_by_label("Evidence").fill("verbal, noted in case")
    with page.expect_response(hub.url(f"/residents/{RESIDENT}/consents")) as answer:
        page.get_by_role("button", name="Record").click()
    assert answer.value.status == 403
    page.goto(hub.url(f"/residents/{RESIDENT}/consents"))
    assert page.locator("#no-consents").is_visible(), "nothing was recorded"


def open_reviews(database: Database) -> list[BreakGlassFlag]:
    with database.transaction() as connection:
        return list(BreakGlassReviews().list(connection, open_only=True))
