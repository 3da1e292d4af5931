"""Subject access: everything held about a resident across the linked systems, with provenance, in one go.

The answer is a plain document (JSON-ready) and an HTML rendering of the same document; making it is
recorded in the audit log (how many records from which systems, never their content).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from joinedup.model import SourceRecord

from ._disclosures import DisclosureSeen


@dataclass(frozen=True)
class HeldVersion:
    version: int
    received_at: datetime
    changed_at: datetime | None
    canonical: dict[str, Any] | None
    raw: dict[str, Any]


@dataclass(frozen=True)
class HeldRecord:
    """One record in one system, every version of it, and who holds it."""

    system: str
    system_name: str
    organisation: str
    record_id: str
    versions: tuple[HeldVersion, ...]


@dataclass(frozen=True)
class SubjectAccessReport:
    resident_id: str
    generated_at: datetime
    records: tuple[HeldRecord, ...]
    disclosures: tuple[DisclosureSeen, ...]
    restricted: tuple[tuple[str, str], ...] = field(default=())

    @property
    def systems(self) -> tuple[str, ...]:
        return tuple(sorted({record.system for record in self.records}))

    def to_document(self) -> dict[str, Any]:
        """The machine-readable answer: plain JSON types only, datetimes in ISO 8601 UTC."""
        document: dict[str, Any] = json.loads(json.dumps(asdict(self), default=_json_value))
        document["format"] = "joinedup-subject-access/v1"
        return document


def _json_value(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"not JSON-ready: {type(value).__name__}")


def held_record(versions: Sequence[SourceRecord], systems: Mapping[str, Mapping[str, Any]]) -> HeldRecord:
    """One record's versions (oldest first) with its system's name and organisation."""
    first = versions[0]
    system = systems.get(first.system, {})
    return HeldRecord(
        system=first.system,
        system_name=str(system.get("name", first.system)),
        organisation=str(system.get("organisation", "unknown organisation")),
        record_id=first.record_id,
        versions=tuple(
            HeldVersion(
                version=version.version,
                received_at=version.received_at,
                changed_at=version.changed_at,
                canonical=_canonical(version),
                raw=version.raw,
            )
            for version in versions
        ),
    )


def _canonical(record: SourceRecord) -> dict[str, Any] | None:
    mapped = record.person or record.property
    return None if mapped is None else mapped.model_dump(mode="json", exclude_none=True)


def subject_access_report(
    resident_id: str,
    records: Sequence[HeldRecord],
    disclosures: Sequence[DisclosureSeen],
    *,
    restricted: Sequence[tuple[str, str]] = (),
    now: datetime | None = None,
) -> SubjectAccessReport:
    return SubjectAccessReport(
        resident_id=resident_id,
        generated_at=now or datetime.now(UTC),
        records=tuple(records),
        disclosures=tuple(disclosures),
        restricted=tuple(restricted),
    )


def write_subject_access(report: SubjectAccessReport, folder: Path) -> tuple[Path, Path]:
    """Write ``subject-access-RESIDENT.json`` and ``.html`` into ``folder``; returns both paths."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"subject-access-{report.resident_id}"
    json_path, html_path = folder / f"{stem}.json", folder / f"{stem}.html"
    document = report.to_document()
    json_path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    html_path.write_text(render_html(document), encoding="utf-8")
    return json_path, html_path


def render_html(document: Mapping[str, Any]) -> str:
    environment = Environment(
        loader=PackageLoader("joinedup.audit", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["readable"] = readable
    environment.tests["empty"] = _empty
    return environment.get_template("subject_access.html").render(report=document)


def _empty(value: object) -> bool:
    return value is None or value == "" or value == [] or value == {}


def readable(value: object) -> str:
    """A held value as a person reads it: nested parts as 'name: value' pairs, lists joined, empties left out."""
    if isinstance(value, dict):
        return "; ".join(f"{str(k).replace('_', ' ')}: {readable(v)}" for k, v in value.items() if not _empty(v))
    if isinstance(value, list):
        return ", ".join(readable(item) for item in value if not _empty(item))
    return str(value)
