"""The governance rules of the place file: each problem a plain sentence on the line it is about."""

from __future__ import annotations

import datetime as dt

from joinedup.governance import check_agreements
from joinedup.place import ConsentRule, is_special_category, load_place_text, validate_place_text

from .support import PLACE


def at(text: str, needle: str, skip: int = 0) -> tuple[int, int]:
    """Line and column (from 1) of ``needle``'s first occurrence, plus ``skip`` characters."""
    return next((n, row.index(needle) + 1 + skip) for n, row in enumerate(text.splitlines(), 1) if needle in row)


def problems(text: str, today: dt.date | None = None) -> list[tuple[tuple[int, int], str]]:
    checks = [check_agreements(today)] if today else []
    return [((p.line, p.column), p.message) for p in validate_place_text(text, checks=checks).problems]


def test_the_test_place_loads_with_its_purposes_shares_and_people() -> None:
    place = load_place_text(PLACE)
    safeguarding = place.agreements[0]
    assert safeguarding.purpose("s47").consent is ConsentRule.OVERRIDE
    assert safeguarding.special_category_fields == ("health.summary",)
    assert place.organisation("surgery").people[0].roles == ("gp",)


def test_plain_word_purposes_still_load_with_a_code_made_from_them() -> None:
    text = PLACE.replace(
        "      - {code: tax, description: collecting tax, consent: not-applicable}", "      - Collecting council tax"
    )
    assert load_place_text(text).agreements[4].purposes[0].code == "collecting-council-tax"


def test_special_category_data_needs_an_article_9_condition() -> None:
    text = PLACE.replace(
        "    lawful_basis: {article_6: public-task}\n    fields: [person.name, person.address]",
        "    lawful_basis: {article_6: public-task}\n    fields: [person.name, person.ethnicity]",
    ).replace("fields: [person.name, person.address]}", "fields: [person.name]}")
    assert problems(text) == [
        (at(text, "person.ethnicity"), "agreements[1] 'housing' shares special category data ('person.ethnicity') "
         "but its lawful basis names no Article 9 condition; add lawful_basis.article_9."),
    ]  # fmt: skip


def test_article_9_conditions_that_need_schedule_1_say_so() -> None:
    text = PLACE.replace('      dpa_2018_schedule_1: "paragraph 18: safeguarding"\n', "")
    ((where, message),) = problems(text)
    assert where == at(text, "substantial-public-interest")
    assert "needs a DPA 2018 Schedule 1 condition" in message


def test_a_lapsed_agreement_is_refused_on_its_review_date_line_by_the_clock_given() -> None:
    assert problems(PLACE, today=dt.date(2025, 12, 31)) == []
    assert problems(PLACE, today=dt.date(2026, 1, 2)) == [
        (at(PLACE, "2026-01-01"), "agreements[4] 'old-tax' version 0.1 lapsed: its review date 2026-01-01 has "
         "passed (today is 2026-01-02); review it and set a new review_date."),
    ]  # fmt: skip


def test_shares_signatories_overrides_and_people_must_name_what_is_declared() -> None:
    text = (
        PLACE.replace("      - {recipients: [council], roles: [analyst], fields: [person.name]}",
                      "      - {recipients: [police], purposes: [audit], fields: [person.dob]}")
        .replace("        without_consent: DPA 2018 Schedule 1 paragraph 18\n      - code: known-check",
                 "      - code: known-check")
        .replace("roles: [gp]}", "roles: [nurse]}")
        .replace("    review_date: 2027-01-01\n  - code: scoring",
                 "    review_date: 2027-01-01\n    signatories:\n"
                 "      - {organisation: police, role: Chief, signed_on: 2026-01-01}\n  - code: scoring")
    )  # fmt: skip
    found = problems(text)
    assert found == [
        (at(text, "nurse"), "organisations[1].people[0].roles[0] names role 'nurse', which organisations[1] "
         "'surgery' does not list."),
        (at(text, "override"), "agreements[0] 'safeguarding' lets purpose 's47' share without consent but "
         "does not say which law allows it; add without_consent, e.g. 'DPA 2018 Schedule 1 paragraph 18'."),
        (at(text, "[police], purposes", skip=1), "agreements[2] 'research' names 'police' in "
         "shares[0].recipients, which is not one of its parties."),
        (at(text, "audit]"), "agreements[2] 'research' has no purpose 'audit'."),
        (at(text, "person.dob"), "agreements[2] 'research' shares field 'person.dob', which is not among the "
         "agreement's fields."),
        (at(text, "organisation: police", skip=14), "agreements[2] 'research' has a signatory for 'police', "
         "which is not one of its parties."),
    ]  # fmt: skip


def test_what_counts_as_special_category() -> None:
    assert is_special_category("health.summary") and is_special_category("gp.health_record")
    assert is_special_category("person.religion") and is_special_category("person.ethnicity")
    assert not is_special_category("person.address")


def test_a_subscription_must_be_deliverable_under_its_agreement() -> None:
    from joinedup.place import demo_place_path

    kettleby = demo_place_path().read_text(encoding="utf-8")
    gp = "    agreement: kettleby-tell-us-once\n\n  - system: schools"
    assert gp in kettleby
    # The GP's subscription names an agreement its organisation is not party to.
    text = kettleby.replace(gp, "    agreement: kettleby-council-tax\n\n  - system: schools")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if row == "    agreement: kettleby-council-tax")
    found = [(p.line, p.message) for p in validate_place_text(text).problems]
    assert found == [
        (
            line,
            "subscriptions[4] (gp) is delivered under agreement 'kettleby-council-tax', but the system's "
            "organisation 'kettleby-primary-care' is not one of its parties.",
        )
    ]
    # The agreement's shares let only people, not systems, receive: every subscription under it is refused.
    roles = "        roles: [records-system]\n"
    text = kettleby.replace(roles, "        roles: [gp]\n", 1)
    messages = [p.message for p in validate_place_text(text).problems]
    assert any(
        m.startswith("subscriptions[5] (schools) is delivered under agreement 'kettleby-tell-us-once', but none of its")
        and "role 'records-system'" in m
        for m in messages
    ), messages
