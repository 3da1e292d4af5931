"""The governance pages' pure parts: the register's status flags and version history, and the consent form's
checks (every error a member of staff can cause gets its own message; a good form makes a FHIR-shaped consent)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from joinedup.governance import ConsentDecision, ConsentScope
from joinedup.place import Agreement, demo_place_path, load_place
from joinedup.web.pages._consent_form import options_of, parse_consent, withdrawn
from joinedup.web.pages.agreements import HISTORY_FOLDER, earlier_versions, history_of, status_of

TODAY = dt.date(2026, 12, 2)
PLACE = load_place(demo_place_path())
HOUSING = next(a for a in PLACE.agreements if a.code == "kettleby-housing-management")


def _version(agreement: Agreement, version: str, **changes: object) -> Agreement:
    return agreement.model_copy(update={"version": version, **changes})


def test_an_agreement_is_flagged_lapsed_after_its_review_date_and_due_within_ninety_days() -> None:
    assert status_of(_version(HOUSING, "1", review_date=TODAY - dt.timedelta(days=1)), TODAY) == "Lapsed"
    assert status_of(_version(HOUSING, "1", review_date=TODAY), TODAY) == "Due for review"
    assert status_of(_version(HOUSING, "1", review_date=TODAY + dt.timedelta(days=90)), TODAY) == "Due for review"
    assert status_of(_version(HOUSING, "1", review_date=TODAY + dt.timedelta(days=91)), TODAY) == "In force"


def test_versions_are_ordered_by_number_and_each_diffed_against_the_one_before() -> None:
    narrower = HOUSING.shares[0].model_copy(update={"fields": ("person.name",)})
    v9 = _version(HOUSING, "1.9", shares=(narrower, *HOUSING.shares[1:]))
    v10 = _version(HOUSING, "1.10")
    history = history_of(_version(HOUSING, "1.11"), [v10, v9, _version(HOUSING, "1.11")])
    assert [change.agreement.version for change in history] == ["1.11", "1.10", "1.9"]
    assert history[-1].diff is None, "the first version has nothing before it"
    added = history[1].diff
    assert added is not None and {str(p) for p in added.added} == {
        "kettleby-council (housing-officer) may receive person.address for housing-management",
        "kettleby-council (housing-officer) may receive person.contact_points for housing-management",
    }
    assert history[0].diff is not None and history[0].diff.unchanged


def test_the_history_folder_is_read_and_a_broken_file_is_left_out(tmp_path: Path) -> None:
    place_file = tmp_path / "place.yaml"
    folder = tmp_path / HISTORY_FOLDER
    folder.mkdir()
    demo_history = demo_place_path().parent / HISTORY_FOLDER
    for source in demo_history.glob("*.yaml"):
        (folder / source.name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "broken.yaml").write_text("agreements:\n  - code: [not, a, code]\n", encoding="utf-8")
    (folder / "not-yaml.yaml").write_text("agreements: [\n", encoding="utf-8")
    found = earlier_versions(place_file)
    assert [a.version for a in found["kettleby-housing-management"]] == ["1.1"]
    assert set(found) == {"kettleby-housing-management"}
    assert earlier_versions(tmp_path / "elsewhere" / "place.yaml") == {}


def test_the_consent_form_names_every_problem() -> None:
    options = options_of(PLACE)
    form: dict[str, str | list[str]] = {
        "organisation": "nowhere", "role": "wizard", "purposes": ["made-up"], "data": ["person.shoe_size"],
        "period_start": "1/1/2027", "period_end": "31/12/2026", "evidence": "  ",
    }  # fmt: skip
    parsed = parse_consent(form, options, "R-1", TODAY)
    assert parsed.consent is None
    assert set(parsed.errors) == {
        "decision",
        "scope",
        "organisation",
        "role",
        "purposes",
        "data",
        "period_end",
        "evidence",
    }
    assert "after the start date" in parsed.errors["period_end"]
    assert (
        "Enter the start date"
        in parse_consent({"period_start": "31/02/2027"}, options, "R-1", TODAY).errors["period_start"]
    )
    assert "governance.consents" not in options.fields, "records about sharing are not data a consent covers"


def test_a_good_form_makes_an_objection_scoped_to_the_choices_and_withdrawal_keeps_it() -> None:
    form: dict[str, str | list[str]] = {
        "decision": "deny", "scope": "share", "organisation": "kettleby-council", "role": "housing-officer",
        "purposes": ["housing-management"], "data": ["person.address", "person.name"], "period_start": "",
        "period_end": "27/3/2028", "evidence": " signed   form OB-1 ",
    }  # fmt: skip
    consent = parse_consent(form, options_of(PLACE), "R-1", TODAY).consent
    assert consent is not None
    assert (consent.decision, consent.scope, consent.evidence) == (
        ConsentDecision.DENY,
        ConsentScope.SHARE,
        "signed form OB-1",
    )
    assert consent.period.end == dt.date(2028, 3, 27) and consent.recorded_on == TODAY
    (provision,) = consent.provisions
    assert provision.purposes == ("housing-management",) and provision.data == ("person.address", "person.name")
    assert consent.applies("kettleby-council", "housing-officer", "housing-management", "person.address", TODAY)
    assert not consent.applies("kettleby-council", "social-worker", "housing-management", "person.address", TODAY)
    assert consent.to_fhir()["decision"] == "deny"

    anywhere = parse_consent(
        {"decision": "permit", "scope": "engage", "evidence": "x"}, options_of(PLACE), "R-1", TODAY
    )
    assert anywhere.consent is not None and anywhere.consent.provisions == (), "no choice: applies everywhere"
    gone = withdrawn(consent, " moved   away ", TODAY)
    assert (gone.withdrawn_on, gone.withdrawal_reason, gone.id) == (TODAY, "moved away", consent.id)
