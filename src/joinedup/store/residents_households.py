"""Properties (by UPRN) and the households living at them, as stored."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update

from .database import Database
from .residents_tables import household_members, households, properties


@dataclass(frozen=True)
class PropertyRow:
    uprn: int
    postcode: str | None
    address: tuple[str, ...]


@dataclass(frozen=True)
class Household:
    """A household: the residents whose current address is one property."""

    id: str
    uprn: int
    postcode: str | None
    address: tuple[str, ...]
    members: tuple[str, ...]


class HouseholdStore:
    def __init__(self, database: Database) -> None:
        self._database = database

    def household_ids_in(self, connection: Connection) -> dict[int, str]:
        """UPRN -> household id, for every household ever formed (so a property keeps its household's id)."""
        return {uprn: hid for hid, uprn in connection.execute(select(households.c.id, households.c.uprn))}

    def save_in(
        self,
        connection: Connection,
        property_rows: Sequence[PropertyRow],
        household_ids: Mapping[int, str],
        members: Mapping[str, str],
        now: datetime,
    ) -> None:
        """Upsert properties, add new households, and bring memberships (resident -> household) up to date."""
        self._upsert_properties(connection, property_rows, now)
        known = self.household_ids_in(connection)
        fresh = [
            {"id": hid, "uprn": uprn, "created_at": now} for uprn, hid in household_ids.items() if uprn not in known
        ]
        if fresh:
            connection.execute(insert(households), fresh)
        rows = connection.execute(select(household_members.c.resident_id, household_members.c.household_id))
        current = {resident: household for resident, household in rows}
        gone = [{"r": resident} for resident in current if resident not in members]
        moved = [{"r": r, "h": h} for r, h in members.items() if r in current and current[r] != h]
        added = [{"resident_id": r, "household_id": h} for r, h in members.items() if r not in current]
        if gone:
            connection.execute(delete(household_members).where(household_members.c.resident_id == bindparam("r")), gone)
        if moved:
            statement = (
                update(household_members)
                .where(household_members.c.resident_id == bindparam("r"))
                .values(household_id=bindparam("h"))
            )
            connection.execute(statement, moved)
        if added:
            connection.execute(insert(household_members), added)

    def memberships_in(self, connection: Connection) -> dict[str, str]:
        """Resident -> household, for every resident in one (a bulk run compares its plan with it)."""
        rows = connection.execute(select(household_members.c.resident_id, household_members.c.household_id))
        return {resident: household for resident, household in rows}

    # --- one resident at a time (real-time matching), inside the caller's transaction ---------------------------

    def membership_in(self, connection: Connection, resident_id: str) -> str | None:
        """The household the resident belongs to now, if any."""
        statement = select(household_members.c.household_id).where(household_members.c.resident_id == resident_id)
        return connection.execute(statement).scalar_one_or_none()

    def household_at_in(self, connection: Connection, uprn: int) -> str | None:
        """The household at a property (ever formed there), if any."""
        return connection.execute(select(households.c.id).where(households.c.uprn == uprn)).scalar_one_or_none()

    def add_household_in(self, connection: Connection, row: PropertyRow, household_id: str, now: datetime) -> None:
        """Form a household at a property, describing the property first if the hub does not know it yet."""
        known = connection.execute(select(properties.c.uprn).where(properties.c.uprn == row.uprn)).first()
        if known is None:
            connection.execute(
                insert(properties).values(
                    uprn=row.uprn, postcode=row.postcode, address=list(row.address), updated_at=now
                )
            )
        connection.execute(insert(households).values(id=household_id, uprn=row.uprn, created_at=now))

    def set_membership_in(self, connection: Connection, resident_id: str, household_id: str | None) -> None:
        """Make the resident a member of one household (None: of none), replacing any earlier membership."""
        connection.execute(delete(household_members).where(household_members.c.resident_id == resident_id))
        if household_id is not None:
            connection.execute(insert(household_members).values(resident_id=resident_id, household_id=household_id))

    def _upsert_properties(self, connection: Connection, rows: Sequence[PropertyRow], now: datetime) -> None:
        if not rows:
            return
        known = {uprn for (uprn,) in connection.execute(select(properties.c.uprn))}
        fresh: list[dict[str, Any]] = []
        changed: list[dict[str, Any]] = []
        for row in rows:
            if row.uprn in known:
                changed.append({"u": row.uprn, "pc": row.postcode, "addr": list(row.address), "at": now})
            else:
                fresh.append(
                    {"uprn": row.uprn, "postcode": row.postcode, "address": list(row.address), "updated_at": now}
                )
        if fresh:
            connection.execute(insert(properties), fresh)
        if changed:
            statement = (
                update(properties)
                .where(properties.c.uprn == bindparam("u"))
                .values(postcode=bindparam("pc"), address=bindparam("addr"), updated_at=bindparam("at"))
            )
            connection.execute(statement, changed)

    def household_of(self, resident_id: str) -> Household | None:
        with self._database.engine.connect() as connection:
            hid = connection.execute(
                select(household_members.c.household_id).where(household_members.c.resident_id == resident_id)
            ).scalar_one_or_none()
            if hid is None:
                return None
            head = connection.execute(
                select(households.c.uprn, properties.c.postcode, properties.c.address)
                .join(properties, properties.c.uprn == households.c.uprn)
                .where(households.c.id == hid)
            ).one()
            members = connection.execute(
                select(household_members.c.resident_id)
                .where(household_members.c.household_id == hid)
                .order_by(household_members.c.resident_id)
            ).scalars()
            return Household(hid, head.uprn, head.postcode, tuple(head.address), tuple(members))

    def count(self) -> int:
        statement = select(func.count(func.distinct(household_members.c.household_id)))
        with self._database.engine.connect() as connection:
            return connection.execute(statement).scalar_one()


__all__ = ["Household", "HouseholdStore", "PropertyRow"]
