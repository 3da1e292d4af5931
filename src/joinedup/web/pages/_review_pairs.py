"""The review queue's pairs as a reviewer sees them: both records side by side, field by field, with the model's
evidence (linkage's own plain sentences) and match probability.

Each record's values reach the page only through ``DisclosureGate.disclose_in`` (channel ``dashboard``), asked
for the resident the record belongs to and narrowed to the organisation that holds it; the gate writes the audit
entries. The evidence names comparison levels ("Date of birth: the same (+6.1)"), never values.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from sqlalchemy import Connection

from joinedup.governance import Actor, Channel, Disclosure, DisclosureGate, Reason
from joinedup.governance import Request as DisclosureRequest

# Not exported by joinedup.linkage yet: the same flattening of stored documents every linkage run uses.
from joinedup.linkage import (
    Explanation,
    LinkageService,
    RealtimeMatcher,
    collect,
    person_row,
    prepare,
    split_unique_id,
    unique_id,
)
from joinedup.model import Person
from joinedup.store import Database
from joinedup.store.residents_review import ReviewItem
from joinedup.store.residents_sources import iter_current_documents
from joinedup.store.source_records import SourceRecordStore

from .._session import SignedInUser
from .resident import PurposeChoice, display

# The disclosable fields a reviewer compares, and their labels, in the order shown.
COMPARED: dict[str, str] = {
    "person.identifiers": "Record id",
    "person.name": "Name",
    "person.date_of_birth": "Date of birth",
    "person.sex": "Sex",
    "person.address": "Address",
    "person.contact_points": "Phone and email",
    "person.nhs_number": "NHS number",
    "person.ni_number": "National Insurance number",
}


@dataclass(frozen=True)
class RecordSide:
    system: str
    system_name: str
    values: dict[str, str | None]  # field -> shown text; None when withheld, "" when the record holds none
    withheld: list[tuple[str, Reason]]  # label, the gate's reason


@dataclass(frozen=True)
class ComparedRow:
    label: str
    left: str | None
    right: str | None
    compared: bool = True  # record ids of two systems always differ: not worth a tag

    @property
    def verdict(self) -> str | None:
        """Same or different, only when both values were disclosed and held."""
        if not self.compared or not self.left or not self.right:
            return None
        return "Same" if _normal(self.left) == _normal(self.right) else "Different"


@dataclass(frozen=True)
class ReviewPair:
    item: ReviewItem
    left: RecordSide
    right: RecordSide
    rows: list[ComparedRow]
    explanation: Explanation | None


def _normal(text: str) -> str:
    return " ".join(text.lower().replace(",", " ").split())


def _values_of(person: Person, record_id: str) -> dict[str, object]:
    """The record's own values for each compared field (what the gate's fetch returns)."""
    contacts = [point.value for point in person.contact_points]
    found: dict[str, object] = {"person.identifiers": record_id, "person.name": person.name}
    optional = {
        "person.date_of_birth": person.date_of_birth, "person.sex": person.sex, "person.address": person.address,
        "person.contact_points": ", ".join(contacts) or None, "person.nhs_number": person.nhs_number,
        "person.ni_number": person.ni_number,
    }  # fmt: skip
    found |= {field: value for field, value in optional.items() if value is not None}
    return found


def _shown(value: object) -> str:
    return str(value.value) if isinstance(value, Enum) else display(value)


class PairReader:
    """Reads open review items and discloses both records of each through the gate."""

    def __init__(self, database: Database, gate: DisclosureGate, explainer: Explainer) -> None:
        self._database = database
        self._gate = gate
        self._explainer = explainer
        self._service = LinkageService(database)
        self._records = SourceRecordStore(database)

    def open_pairs(self, user: SignedInUser, choice: PurposeChoice, limit: int) -> list[ReviewPair]:
        return [self.pair(item, user, choice) for item in self._service.review.open_items(limit=limit)]

    def pair(self, item: ReviewItem, user: SignedInUser, choice: PurposeChoice) -> ReviewPair:
        actor = Actor(user.subject, choice.role, user.organisation or "")
        people: list[Person | None] = []
        sides: list[RecordSide] = []
        with self._database.transaction() as connection:  # both looks, and their audit entries, together
            for uid in (item.left_record, item.right_record):
                system, record_id = split_unique_id(uid)
                stored = self._records.current(system, record_id)
                person = stored.person if stored is not None else None
                people.append(person)
                sides.append(self._side(connection, actor, choice.code, system, record_id, person))
        rows = [
            ComparedRow(label, sides[0].values.get(f), sides[1].values.get(f), f != "person.identifiers")
            for f, label in COMPARED.items()
        ]
        left, right = people
        explanation = None
        if left is not None and right is not None:
            explanation = self._explainer.explain(
                person_row(*split_unique_id(item.left_record), left),
                person_row(*split_unique_id(item.right_record), right),
            )
        return ReviewPair(item, sides[0], sides[1], rows, explanation)

    def _side(
        self, connection: Connection, actor: Actor, purpose: str, system: str, record_id: str, person: Person | None
    ) -> RecordSide:
        place = self._gate.point.place
        known = next((s for s in place.systems if s.code == system), None)
        name = known.name if known is not None else system
        resident = self._service.resident_of(system, record_id)
        if person is None or resident is None or known is None:
            gone = Reason("The hub holds no current record for this side of the pair: it was withdrawn or moved.")
            return RecordSide(system, name, dict.fromkeys(COMPARED), [("Every field", gone)])
        asked = DisclosureRequest(
            actor, purpose, resident, tuple(COMPARED), holder=known.organisation, channel=Channel.DASHBOARD
        )
        held = _values_of(person, record_id)

        def fetch(fields: tuple[str, ...]) -> Mapping[str, object]:
            return {field: held[field] for field in fields if field in held}

        shown: Disclosure = self._gate.disclose_in(connection, asked, fetch)
        permitted = set(shown.decision.permitted_fields)
        values: dict[str, str | None] = {}
        withheld: list[tuple[str, Reason]] = []
        for field, label in COMPARED.items():
            if field in shown.values:
                values[field] = _shown(shown.values[field])
            elif field in permitted:
                values[field] = ""  # permitted, but the record holds no value
            else:
                values[field] = None
                reasons = shown.decision.reasons
                naming = [r for r in reasons if field in r.text and r.agreement is None]
                withheld.append((label, (naming or list(reasons))[0]))
        return RecordSide(system, name, values, withheld)


class Explainer:
    """Linkage's own explanation of a pair, scored with the last bulk run's model and term frequencies.

    The matcher holds the prepared population (for the term frequencies of rare and common values); it is built
    once per bulk run and kept, as the real-time matcher is.
    """

    def __init__(self, database: Database) -> None:
        self._database = database
        self._lock = threading.Lock()
        self._built_for: datetime | None = None
        self._matcher: RealtimeMatcher | None = None

    def _current(self) -> RealtimeMatcher | None:
        service = LinkageService(self._database)
        run = service.residents.latest_run()
        if run is None:
            return None
        with self._lock:
            if self._matcher is None or self._built_for != run.finished_at:
                model = service.model()
                if model is None:
                    return None
                with self._database.transaction() as connection:
                    membership = service.residents.assignment_in(connection).records
                residents = {unique_id(*ref): resident for ref, resident in membership.items()}
                prepared = prepare(collect(iter_current_documents(self._database)).frame())
                prepared = prepared[prepared["unique_id"].isin(residents)].reset_index(drop=True)
                self._matcher = RealtimeMatcher(model, prepared, residents)
                self._built_for = run.finished_at
            return self._matcher

    def explain(self, left: Mapping[str, str], right: Mapping[str, str]) -> Explanation | None:
        matcher = self._current()
        return None if matcher is None else matcher.explain(left, right)


def explainer_of(state: object, database: Database) -> Explainer:
    """The app's one explainer (kept on ``app.state``), made on first use."""
    found = getattr(state, "review_explainer", None)
    if not isinstance(found, Explainer):
        found = Explainer(database)
        state.review_explainer = found  # type: ignore[attr-defined]
    return found
