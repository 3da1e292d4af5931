"""The decision point: deny by default, field-level redaction, consent rules, REVIEW, reasons, caching."""

from __future__ import annotations

import datetime as dt

from joinedup.governance import Outcome, Request

from .support import (
    ANALYST,
    FIELDS,
    GP,
    HOUSING_OFFICER,
    OFFICER,
    SOCIAL_WORKER,
    clock_at,
    objection,
    place,
    point,
)


def test_housing_officer_and_social_worker_get_different_fields_with_reasons() -> None:
    decisions = point()
    housing = decisions.decide(Request(HOUSING_OFFICER, "housing", "r-1", FIELDS))
    safeguarding = decisions.decide(Request(SOCIAL_WORKER, "s47", "r-1", FIELDS))

    assert housing.outcome is Outcome.PERMIT
    assert housing.permitted_fields == ("person.name", "person.address")
    assert housing.denied_fields == ("health.summary",)
    assert housing.reasons[0].agreement == "housing" and housing.reasons[0].version == "1.0"
    assert "no objection recorded" in housing.reasons[0].text
    assert "No agreement in force" in housing.reasons[1].text
    assert safeguarding.permitted_fields == FIELDS
    (reason,) = safeguarding.reasons
    assert (reason.agreement, reason.version) == ("safeguarding", "2.0")
    assert "Art 9(2) substantial-public-interest" in (reason.lawful_basis or "")
    assert "without consent under DPA 2018 Schedule 1 paragraph 18" in (reason.consent or "")


def test_deny_by_default_for_unknown_purpose_role_and_organisation() -> None:
    decisions = point()
    assert decisions.decide(Request(HOUSING_OFFICER, "s47", "r-1", FIELDS)).outcome is Outcome.DENY
    assert decisions.decide(Request(OFFICER, "s47", "r-1", FIELDS)).outcome is Outcome.DENY
    stranger = decisions.decide(Request(SOCIAL_WORKER.__class__("x", "gp", "nowhere"), "s47", "r-1", FIELDS))
    assert stranger.outcome is Outcome.DENY
    assert "not registered" in stranger.reasons[0].text


def test_organisations_that_list_people_admit_only_them() -> None:
    decisions = point()
    assert decisions.decide(Request(GP, "known-check", "r-1", ("known_to",))).permitted
    impostor = GP.__class__("doc-2", "gp", "surgery")
    denied = decisions.decide(Request(impostor, "known-check", "r-1", ("known_to",)))
    assert denied.outcome is Outcome.DENY and "not registered" in denied.reasons[0].text


def test_a_granted_field_covers_the_fields_under_it_but_not_the_whole_record() -> None:
    decision = point().decide(Request(HOUSING_OFFICER, "housing", "r-1", ("person.name.family", "person")))
    assert decision.permitted_fields == ("person.name.family",)
    assert decision.denied_fields == ("person",)


def test_an_objection_blocks_a_purpose_that_respects_it_and_is_overridden_where_the_law_allows() -> None:
    decisions = point()
    objected = (objection(),)
    housing = decisions.decide(Request(HOUSING_OFFICER, "housing", "r-1", FIELDS), objected)
    safeguarding = decisions.decide(Request(SOCIAL_WORKER, "s47", "r-1", FIELDS), objected)

    assert housing.outcome is Outcome.DENY
    assert "the resident objected (obj-1)" in housing.reasons[0].text
    assert safeguarding.permitted_fields == FIELDS
    assert "objection (obj-1) is overridden" in (safeguarding.consent_basis or "")


def test_an_objection_limited_to_one_field_redacts_only_that_field() -> None:
    only_address = objection(provisions=[{"data": ["person.address"]}])
    decision = point().decide(Request(HOUSING_OFFICER, "housing", "r-1", FIELDS), (only_address,))
    assert decision.permitted_fields == ("person.name",)


def test_consent_required_needs_consent_to_share_not_consent_to_engage() -> None:
    decisions = point()
    request = Request(ANALYST, "research", "r-1", ("person.name",))
    engage = objection(id="c-engage", scope="engage", decision="permit")
    share = objection(id="c-share", decision="permit", provisions=[{"purposes": ["research"]}])

    assert decisions.decide(request).outcome is Outcome.DENY
    assert decisions.decide(request, (engage,)).outcome is Outcome.DENY
    granted = decisions.decide(request, (engage, share))
    assert granted.permitted_fields == ("person.name",)
    assert "consent to share recorded (c-share)" in (granted.consent_basis or "")


def test_withdrawn_and_expired_consent_count_for_nothing() -> None:
    decisions = point()
    request = Request(ANALYST, "research", "r-1", ("person.name",))
    withdrawn = objection(decision="permit", withdrawn_on=dt.date(2026, 5, 1), withdrawal_reason="changed mind")
    expired = objection(decision="permit", period={"end": "2026-05-31"})
    assert decisions.decide(request, (withdrawn,)).outcome is Outcome.DENY
    assert decisions.decide(request, (expired,)).outcome is Outcome.DENY


def test_automated_decisions_go_to_review_with_nothing_disclosed() -> None:
    decision = point().decide(Request(ANALYST, "scoring", "r-1", ("person.name",)))
    assert decision.outcome is Outcome.REVIEW
    assert decision.permitted_fields == ()
    assert decision.pending_fields == ("person.name",)
    assert "Art 22" in decision.reasons[0].text


def test_a_lapsed_agreement_permits_nothing_and_says_so() -> None:
    decision = point().decide(Request(ANALYST.__class__("x", "analyst", "council"), "tax", "r-1", ("person.name",)))
    assert decision.outcome is Outcome.DENY
    assert any("lapsed after its review date 2026-01-01" in r.text for r in decision.reasons)


def test_the_day_an_agreement_lapses_is_taken_from_the_clock() -> None:
    day = [dt.date(2026, 12, 31)]
    from joinedup.governance import DecisionPoint

    decisions = DecisionPoint(place(), clock=lambda: clock_at(day[0]))
    request = Request(HOUSING_OFFICER, "housing", "r-1", ("person.name",))
    assert decisions.decide(request).permitted
    day[0] = dt.date(2027, 1, 2)
    assert decisions.decide(request).outcome is Outcome.DENY


def test_direction_a_holder_outside_the_providers_gives_nothing() -> None:
    decisions = point()
    assert decisions.decide(Request(HOUSING_OFFICER, "housing", "r-1", FIELDS, holder="surgery")).permitted
    assert decisions.decide(Request(HOUSING_OFFICER, "housing", "r-1", FIELDS, holder="police")).outcome is Outcome.DENY


def test_cached_answers_equal_cedar_answers_and_follow_consent_changes() -> None:
    decisions = point()
    request = Request(HOUSING_OFFICER, "housing", "r-1", FIELDS)
    first = decisions.decide(request)
    again = decisions.decide(request)
    assert again.permitted_fields == first.permitted_fields == decisions.decide_uncached(request).permitted_fields
    after_objection = decisions.decide(request, (objection(),))
    assert after_objection.outcome is Outcome.DENY
    assert decisions.decide_uncached(request, (objection(),)).outcome is Outcome.DENY


def test_reloading_agreements_drops_cached_answers() -> None:
    decisions = point()
    request = Request(HOUSING_OFFICER, "housing", "r-1", ("person.name",))
    assert decisions.decide(request).permitted
    narrowed = place().model_dump(mode="python")
    narrowed["agreements"][1]["shares"][0]["fields"] = ["person.address"]
    from joinedup.place import Place

    decisions.reload(Place.model_validate(narrowed))
    assert decisions.decide(request).outcome is Outcome.DENY
