"""Repositories for governance's tables. They take the caller's connection, so a consent recorded or a
break-glass look flagged commits (or rolls back) with the act and its audit entry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, RowMapping, insert, select, update

from .governance_tables import break_glass_reviews, consents


class ConsentRows:
    """Consent documents by resident: the governance model gives and takes them as plain JSON."""

    def save(self, connection: Connection, document: Mapping[str, Any], now: dt.datetime) -> None:
        """Insert or replace one consent (its ``id`` is the key)."""
        values = {
            "subject_resident_id": document["subject"],
            "scope": document["scope"],
            "decision": document["decision"],
            "recorded_on": dt.date.fromisoformat(document["recorded_on"]),
            "withdrawn_on": dt.date.fromisoformat(w) if (w := document.get("withdrawn_on")) else None,
            "document": dict(document),
            "updated_at": now,
        }
        changed = connection.execute(update(consents).where(consents.c.id == document["id"]).values(**values))
        if changed.rowcount == 0:
            connection.execute(insert(consents).values(id=document["id"], **values))

    def of_subject(self, connection: Connection, subject: str) -> list[dict[str, Any]]:
        rows = connection.execute(
            select(consents.c.document).where(consents.c.subject_resident_id == subject).order_by(consents.c.id)
        )
        return [dict(row.document) for row in rows]

    def of_subjects(self, connection: Connection, subjects: Collection[str]) -> dict[str, list[dict[str, Any]]]:
        """``of_subject`` for several subjects in one query (a batch of changes being decided)."""
        found: dict[str, list[dict[str, Any]]] = {subject: [] for subject in subjects}
        wanted = sorted(found)
        for start in range(0, len(wanted), 500):
            rows = connection.execute(
                select(consents.c.subject_resident_id, consents.c.document)
                .where(consents.c.subject_resident_id.in_(wanted[start : start + 500]))
                .order_by(consents.c.id)
            )
            for row in rows:
                found[row.subject_resident_id].append(dict(row.document))
        return found

    def get(self, connection: Connection, consent_id: str) -> dict[str, Any] | None:
        row = connection.execute(select(consents.c.document).where(consents.c.id == consent_id)).first()
        return dict(row.document) if row else None


@dataclass(frozen=True, slots=True)
class BreakGlassFlag:
    id: int
    occurred_at: dt.datetime
    person: str
    role: str
    organisation: str
    subject: str
    purpose: str
    reason: str
    fields: tuple[str, ...]
    audit_sequence: int | None
    closed_at: dt.datetime | None
    closed_by: str | None
    outcome: str | None


class BreakGlassReviews:
    """The DPO's list of break-glass looks: flagged when they happen, closed with an outcome."""

    def flag(self, connection: Connection, flag: Mapping[str, Any]) -> int:
        result = connection.execute(insert(break_glass_reviews).values(**flag).returning(break_glass_reviews.c.id))
        return int(result.scalar_one())

    def list(self, connection: Connection, *, open_only: bool = True) -> list[BreakGlassFlag]:
        query = select(break_glass_reviews).order_by(break_glass_reviews.c.id)
        if open_only:
            query = query.where(break_glass_reviews.c.closed_at.is_(None))
        return [_flag(row) for row in connection.execute(query).mappings()]

    def close(self, connection: Connection, flag_id: int, by: str, outcome: str, now: dt.datetime) -> bool:
        """Close an open flag; False when there is no open flag with that id."""
        result = connection.execute(
            update(break_glass_reviews)
            .where(break_glass_reviews.c.id == flag_id, break_glass_reviews.c.closed_at.is_(None))
            .values(closed_at=now, closed_by=by, outcome=outcome)
        )
        return result.rowcount == 1


def _flag(row: RowMapping) -> BreakGlassFlag:
    return BreakGlassFlag(
        id=row["id"], occurred_at=row["occurred_at"], person=row["person"], role=row["role"],
        organisation=row["organisation"], subject=row["subject_resident_id"], purpose=row["purpose"],
        reason=row["reason"], fields=tuple(row["fields"]), audit_sequence=row["audit_sequence"],
        closed_at=row["closed_at"], closed_by=row["closed_by"], outcome=row["outcome"],
    )  # fmt: skip
