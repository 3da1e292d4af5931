"""Tell us once over the API: raise a change of circumstance, follow its deliveries and receipts, see the dead
letters, send one again.

Answers name systems, records, states and reasons, and list the fields a change carried by name only: the
values are personal data, which leave the core through the disclosure gate, not through these endpoints.
The telling organisation's ``ChangeDesk`` comes from ``joinedup.api.composition``: the place's subscriptions, the
residents' records, and governance's decision point over that organisation's agreements.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request, status
from pydantic import BaseModel, Field

from joinedup.store.tellusonce_outbox import STATUSES, DeliveryRow, OutboxStore
from joinedup.tellusonce import ChangeError, ChangeKind, ChangeOfCircumstance

from ..auth import CurrentPrincipal
from ..auth.principal import Principal
from ..composition import change_desk, disclosure_gate

# Ids are 64-bit signed integers in every backend; a larger one in the path is refused (422), not sent to SQL.
_RowId = Annotated[int, Path(ge=1, le=2**63 - 1)]


class ChangeRequest(BaseModel):
    kind: ChangeKind = Field(description="The change of circumstance, e.g. `person.address-changed`.")
    resident_id: str = Field(min_length=1, max_length=64)
    fields: dict[str, str] = Field(description="Canonical field -> new value, e.g. `postcode`.")


class Delivery(BaseModel):
    id: int
    change_id: int
    system: str
    record_id: str
    status: str = Field(description="pending, in_flight, queued, delivered, held, dead or refused.")
    attempts: int
    fields: list[str] = Field(description="The system's own fields written (names only).")
    receipt: str | None = Field(description="What the system answered when it took the change.")
    reason: str | None = Field(description="Why it was refused, held or dead, or why the last attempt failed.")
    agreement: str | None
    next_attempt_at: datetime
    delivered_at: datetime | None


class ChangeAnswer(BaseModel):
    change_id: int
    kind: str
    resident_id: str
    fields: list[str]
    deliveries: list[Delivery]


def _delivery(row: DeliveryRow) -> Delivery:
    return Delivery(
        id=row.id, change_id=row.change_id, system=row.system, record_id=row.record_id, status=row.status,
        attempts=row.attempts, fields=sorted(row.fields), receipt=row.receipt, reason=row.reason,
        agreement=row.agreement, next_attempt_at=row.next_attempt_at, delivered_at=row.delivered_at,
    )  # fmt: skip


def _answer(store: OutboxStore, change_id: int) -> ChangeAnswer:
    change = store.change(change_id)
    if change is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No change has this id.")
    return ChangeAnswer(
        change_id=change_id, kind=change["kind"], resident_id=change["resident_id"], fields=sorted(change["fields"]),
        deliveries=[_delivery(row) for row in store.of_change(change_id)],
    )  # fmt: skip


def _telling_organisation(request: Request, principal: Principal) -> str | None:
    """Who tells the change, and so whose agreements decide where it may go: the member of staff's organisation,
    or the organisation that runs the calling system."""
    if principal.kind == "staff":
        return principal.organisation
    place = disclosure_gate(request.app.state).point.place
    system = next((each for each in place.systems if each.code == principal.subject), None)
    return system.organisation if system is not None else None


def changes_router() -> APIRouter:
    router = APIRouter(prefix="/changes", tags=["tell us once"])

    @router.post(
        "", status_code=status.HTTP_202_ACCEPTED, response_model=ChangeAnswer,
        summary="Tell a change of circumstance once; it is delivered to every subscribed system that may have it",
    )  # fmt: skip
    def raise_change(body: ChangeRequest, request: Request, principal: CurrentPrincipal) -> ChangeAnswer:
        organisation = _telling_organisation(request, principal)
        if organisation is None:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, "Only staff of an organisation, or a registered system, may tell a change."
            )
        desk = change_desk(request.app.state, organisation)
        try:
            change = ChangeOfCircumstance(
                body.kind, body.resident_id, body.fields, source="api", raised_by=principal.subject
            )
        except ChangeError as error:
            raise HTTPException(422, f"The change is not valid: {error}.") from error
        accepted = desk.tell(change)
        return _answer(OutboxStore(request.app.state.database), accepted.change_id)

    @router.get("/deliveries", response_model=list[Delivery], summary="Deliveries, newest first; dead letters too")
    def deliveries(
        request: Request,
        _principal: CurrentPrincipal,
        state: Annotated[str | None, Query(alias="status", description=f"One of {', '.join(STATUSES)}.")] = None,
        system: str | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> list[Delivery]:
        if state is not None and state not in STATUSES:
            raise HTTPException(422, f"status must be one of {', '.join(STATUSES)}.")
        rows = OutboxStore(request.app.state.database).list(state, system=system, limit=limit)
        return [_delivery(row) for row in rows]

    @router.post(
        "/deliveries/{delivery_id}/retry", response_model=Delivery,
        summary="Send a dead or held delivery again (overwrite=true: without the version check, after review)",
    )  # fmt: skip
    def retry(delivery_id: _RowId, request: Request, _principal: CurrentPrincipal, overwrite: bool = False) -> Delivery:
        store = OutboxStore(request.app.state.database)
        if not store.retry(delivery_id, overwrite=overwrite):
            if store.get(delivery_id) is None:
                raise HTTPException(status.HTTP_404_NOT_FOUND, "No delivery has this id.")
            raise HTTPException(status.HTTP_409_CONFLICT, "Only a dead or held delivery can be sent again.")
        row = store.get(delivery_id)
        if row is None:  # removed between the two statements: not something the outbox does, but say so
            raise HTTPException(status.HTTP_404_NOT_FOUND, "No delivery has this id.")
        return _delivery(row)

    @router.get("/{change_id}", response_model=ChangeAnswer, summary="A change and its receipts per system")
    def one(change_id: _RowId, request: Request, _principal: CurrentPrincipal) -> ChangeAnswer:
        return _answer(OutboxStore(request.app.state.database), change_id)

    return router
