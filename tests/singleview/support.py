"""Records for single-view tests: hand-made ones, and a small sim place grouped by its ground truth."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

from joinedup.ingest import person_from_canonical_row
from joinedup.model import Address, ContactPoint, ContactSystem, Person, PersonName, Sex, SourceRecord
from joinedup.sim import SyntheticPlace

Row = dict[str, Any]
BASE = datetime(2025, 1, 1, 9, 0, tzinfo=UTC)


def record(
    system: str,
    record_id: str,
    *,
    days: int = 0,
    version: int = 1,
    given: str = "William",
    family: str = "Smith",
    dob: date | None = date(1970, 3, 4),
    dod: date | None = None,
    sex: Sex | None = Sex.MALE,
    nhs: str | None = None,
    ni: str | None = None,
    address: Address | None = None,
    phone: str | None = None,
    email: str | None = None,
    other_names: tuple[PersonName, ...] = (),
) -> SourceRecord:
    """One version of one record, changed ``days`` after BASE."""
    contacts = []
    if phone:
        contacts.append(ContactPoint(system=ContactSystem.PHONE, value=phone))
    if email:
        contacts.append(ContactPoint(system=ContactSystem.EMAIL, value=email))
    person = Person(
        name=PersonName(given=given, family=family),
        other_names=other_names,
        date_of_birth=dob,
        date_of_death=dod,
        sex=sex,
        nhs_number=nhs,
        ni_number=ni,
        address=address,
        contact_points=tuple(contacts),
    )
    changed = BASE + timedelta(days=days)
    return SourceRecord(
        system=system,
        record_id=record_id,
        version=version,
        raw={"id": record_id, "v": version, "days": days},
        person=person,
        received_at=changed + timedelta(hours=1),
        changed_at=changed,
    )


def at(line: str, postcode: str | None = "KB1 4AA", uprn: int | None = None, town: str = "Kettleby") -> Address:
    return Address(lines=(line,), town=town, postcode=postcode, uprn=uprn)


@lru_cache(maxsize=4)
def sim_residents(people: int = 1000, seed: int = 7) -> tuple[dict[str, list[Row]], dict[str, list[SourceRecord]]]:
    """A sim place's person records grouped by true resident: (canonical rows, SourceRecords) per person id.

    The rows are kept so that tests can count from the sim's own strings, independently of the model.
    """
    rows: dict[str, list[Row]] = defaultdict(list)
    records: dict[str, list[SourceRecord]] = defaultdict(list)
    for batch in SyntheticPlace(people, seed).batches():
        if batch.system == "waste":  # a property system: its records are about addresses, not residents
            continue
        for row, person_id, changed in zip(batch.canonical_rows(), batch.person_ids, batch.changed_at, strict=True):
            mapped = person_from_canonical_row(row)
            if mapped.person is None:
                continue
            rows[person_id].append(row)
            records[person_id].append(
                SourceRecord(
                    system=batch.system,
                    record_id=row["record_id"],
                    raw=row,
                    person=mapped.person,
                    received_at=BASE,
                    changed_at=changed,
                )
            )
    return dict(rows), dict(records)
