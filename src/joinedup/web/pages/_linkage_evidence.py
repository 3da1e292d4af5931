"""Linkage evidence for a resident's page, cut to what the disclosure gate permitted.

- The history (creation, records joined, merges, splits, moves, household changes) and reviewers' decisions on
  the resident's records. Their sentences name records as "system|record_id", and a record's id identifies the
  resident, so without ``person.identifiers`` each becomes "a <system> record".
- Field-by-field explanations of the links that join the records (``LinkExplainer``). A comparison's sentence
  tells how two records' values compare, so it is shown only when the field it compares is permitted; the
  total weight and probability sum every comparison, so they are shown only when every comparison that added
  weight is permitted.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import Request

from joinedup.governance import Disclosure, Reason
from joinedup.linkage import LinkExplainer, TrainedModel, person_row
from joinedup.singleview import SingleView
from joinedup.store import Database
from joinedup.store.resident_evidence import decisions_on
from joinedup.store.residents import ResidentStore
from joinedup.store.residents_review import StoredDecision

RECORD_IDS = "person.identifiers"
_RECORD = re.compile(r"\b([a-z][a-z0-9_-]*)\|([^\s,;:]+)")
# The model's comparisons and the disclosable field each one compares.
_COMPARED = {
    "given_name": "person.name", "middle_name": "person.name", "family_name": "person.name",
    "date_of_birth": "person.date_of_birth", "location": "person.address", "sex": "person.sex",
    "nhs_number": "person.nhs_number", "ni_number": "person.ni_number", "email": "person.contact_points",
}  # fmt: skip


@dataclass(frozen=True)
class HistoryRow:
    kind: str
    when: Any
    other_resident: str | None
    reason: str
    probability: float | None


@dataclass(frozen=True)
class LinkRow:
    record: str
    joined_to: str
    probability: float | None  # None: withheld (some comparison's field is not permitted)
    weight: float | None
    sentences: tuple[str, ...]
    withheld: tuple[tuple[str, list[Reason]], ...]  # comparison title, the gate's reasons


def name_records(text: str, identifiers: bool) -> str:
    """A sentence with each "system|record_id" kept, or said as "a <system> record" without identifiers."""
    return text if identifiers else _RECORD.sub(lambda found: f"a {found.group(1)} record", text)


def history(database: Database, resident_id: str, shown: Disclosure) -> list[HistoryRow]:
    identifiers = RECORD_IDS in shown.decision.permitted_fields
    rows = []
    for event in ResidentStore(database).events_of(resident_id):
        probability = event.evidence.get("match_probability")
        other = event.other_resident_id if event.other_resident_id != resident_id else event.resident_id
        reason = name_records(event.reason, identifiers)
        rows.append(HistoryRow(event.kind, event.occurred_at, other, reason, probability))
    return rows


def decisions(database: Database, view: SingleView, shown: Disclosure) -> list[tuple[StoredDecision, str]]:
    """The reviewers' decisions on the resident's records, each with its pair named as the gate allows."""
    identifiers = RECORD_IDS in shown.decision.permitted_fields
    records = [f"{record.system}|{record.record_id}" for record in view.records]
    found = decisions_on(database, records)
    return [(d, name_records(f"{d.left_record} and {d.right_record}", identifiers)) for d in found]


def explainer_of(request: Request, database: Database) -> LinkExplainer | None:
    """The explainer for the last bulk run's model, kept on the app until a newer run's model replaces it."""
    run = ResidentStore(database).latest_run()
    if run is None:
        return None
    state = request.app.state
    held: tuple[Any, LinkExplainer] | None = getattr(state, "link_explainer", None)
    if held is None or held[0] != run.finished_at:
        held = (run.finished_at, LinkExplainer(TrainedModel.from_json(run.model)))
        state.link_explainer = held
    return held[1]


def _reasons_for(field: str, shown: Disclosure) -> list[Reason]:
    reasons = shown.decision.reasons
    return [r for r in reasons if field in r.text and r.agreement is None] or list(reasons)


def links(explainer: LinkExplainer, view: SingleView, shown: Disclosure) -> list[LinkRow]:
    permitted = set(shown.decision.permitted_fields)
    identifiers = RECORD_IDS in permitted
    people = [r for r in view.records if r.person is not None]
    rows: Sequence[dict[str, str]] = [person_row(r.system, r.record_id, r.person) for r in people if r.person]
    found = []
    for link in explainer.links(rows):
        sentences, hidden, whole = [], [], True
        for item in link.explanation.evidence:
            field = _COMPARED.get(item.comparison, RECORD_IDS)
            if field in permitted:
                sentences.append(item.sentence)
            else:
                hidden.append((item.title, _reasons_for(field, shown)))
                whole = whole and item.match_weight == 0.0  # a withheld comparison that added nothing hides nothing
        found.append(
            LinkRow(
                name_records(link.record, identifiers), name_records(link.joined_to, identifiers),
                link.explanation.match_probability if whole else None,
                link.explanation.match_weight if whole else None, tuple(sentences), tuple(hidden),
            )
        )  # fmt: skip
    return found


__all__ = ["HistoryRow", "LinkRow", "decisions", "explainer_of", "history", "links", "name_records"]
