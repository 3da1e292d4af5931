"""A subject access request gathers every version of the resident's records, with provenance, in JSON and HTML."""

from __future__ import annotations

import json
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

from joinedup.audit import AuditLog, SubjectAccessEvent, answer_subject_access, write_subject_access
from joinedup.store import Database

from .support import HOUSING, SOCIAL, disclosure, person_record, register_systems


class _Structure(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_everything_held_is_answered_with_provenance(database: Database, tmp_path: Path) -> None:
    store = register_systems(database)
    store.save([person_record("council-tax", "CT-1", "Smith"), person_record("gp", "GP-9", "Smith <b>")])
    store.save([person_record("council-tax", "CT-1", "Smyth")])
    store.save([person_record("housing", "H-5", "Other")])  # someone else's record
    with database.transaction() as connection:
        AuditLog().append_many_in(
            connection,
            [disclosure("R-1"), disclosure("R-1", actor=SOCIAL, withheld_until=date(2999, 1, 1)), disclosure("R-2")],
        )
    report = answer_subject_access(
        database, "R-1", [("council-tax", "CT-1"), ("gp", "GP-9"), ("gp", "GONE")], actor=HOUSING
    )
    json_path, html_path = write_subject_access(report, tmp_path / "sar")

    document = json.loads(json_path.read_text(encoding="utf-8"))
    assert document["format"] == "joinedup-subject-access/v1"
    held = {(record["system"], record["record_id"]): record for record in document["records"]}
    assert set(held) == {("council-tax", "CT-1"), ("gp", "GP-9")}
    council_tax = held[("council-tax", "CT-1")]
    assert council_tax["organisation"] == "Kettleby Borough Council"
    assert [v["version"] for v in council_tax["versions"]] == [1, 2]
    assert [v["raw"]["SURNAME"] for v in council_tax["versions"]] == ["Smith", "Smyth"]
    assert council_tax["versions"][1]["canonical"]["name"]["family"] == "Smyth"
    assert [seen["organisation"] for seen in document["disclosures"]] == ["Kettleby Borough Council"]

    html = _Structure()
    html.feed(html_path.read_text(encoding="utf-8"))
    assert ("html", {"lang": "en"}) in html.tags
    assert sum(tag == "h1" for tag, _ in html.tags) == 1
    assert all(attrs.get("scope") in ("col", "row") for tag, attrs in html.tags if tag == "th")
    assert "Smith <b>" in "".join(html.text)  # escaped as text, not markup
    assert "given: Alex; family: Smyth" in "".join(html.text)  # read as words, not JSON
    assert ("b", {}) not in html.tags

    with database.transaction() as connection:
        last = AuditLog().read_in(connection)[-1]
    assert isinstance(last.event, SubjectAccessEvent)
    assert (last.event.records, last.event.systems) == (2, ("council-tax", "gp"))
