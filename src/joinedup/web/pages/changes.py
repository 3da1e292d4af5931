"""Tell us once: record a change of circumstance for a resident (a GOV.UK form with error summary and field
errors), then follow its delivery to each system on a page of its own, and send a dead letter again.

The change is raised through the app's ``ChangeDesk`` exactly as ``POST /api/v1/changes`` raises it (one desk
per telling organisation, from ``joinedup.api.composition``); a delivery worker writes it into each system.
Pages are addressed by the change's number, never by anything personal, and show field names, systems, states,
receipts and reasons, never the values told: those reach each system through the outbox, not this page.
Everything works without JavaScript: the change's page is reloaded to see progress.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from joinedup.api.composition import change_desk
from joinedup.store import Database
from joinedup.store.tellusonce_outbox import DeliveryRow, OutboxStore
from joinedup.tellusonce import ChangeDesk, ChangeError, ChangeKind, ChangeOfCircumstance

from .._access import PageForbidden, PageNotFound, Viewer
from .._rendering import Renderer, page_name
from ._change_form import DEATH_DATE, KINDS, ReadChange, read_change
from .resident import gate_of

_RowId = Annotated[int, Path(ge=1, le=2**63 - 1)]
WAITING = frozenset({"pending", "in_flight", "queued"})
_STATES: dict[str, tuple[str, str]] = {  # status -> (label, GOV.UK tag colour)
    "pending": ("Waiting", "blue"), "in_flight": ("Being sent", "blue"), "queued": ("Waiting", "blue"),
    "delivered": ("Delivered", "green"), "held": ("Held", "yellow"), "refused": ("Refused", "grey"),
    "dead": ("Dead letter", "red"),
}  # fmt: skip


@dataclass(frozen=True)
class DeliveryView:
    id: int
    change_id: int
    system: str
    system_name: str
    status: str
    label: str
    colour: str
    attempts: int
    fields: list[str]
    receipt: str | None
    reason: str | None
    agreement: str | None
    next_attempt_at: datetime
    delivered_at: datetime | None

    @property
    def waiting(self) -> bool:
        return self.status in WAITING


def _view(row: DeliveryRow, names: dict[str, str]) -> DeliveryView:
    label, colour = _STATES.get(row.status, (row.status, "grey"))
    return DeliveryView(
        id=row.id, change_id=row.change_id, system=row.system, system_name=names.get(row.system, row.system),
        status=row.status, label=label, colour=colour, attempts=row.attempts, fields=sorted(row.fields),
        receipt=row.receipt, reason=row.reason, agreement=row.agreement, next_attempt_at=row.next_attempt_at,
        delivered_at=row.delivered_at,
    )  # fmt: skip


def _system_names(request: Request) -> dict[str, str]:
    return {system.code: system.name for system in gate_of(request).point.place.systems}


def _desk(request: Request, organisation: str | None) -> ChangeDesk | None:
    """The desk for changes told by staff of ``organisation``: its agreements decide who may receive them."""
    if organisation is None:
        return None
    return change_desk(request.app.state, organisation)


def _raise(desk: ChangeDesk, read: ReadChange, kind: ChangeKind, subject: str) -> int:
    """Tell the change as ``POST /api/v1/changes`` does: the desk plans and stores it with its deliveries."""
    change = ChangeOfCircumstance(kind, read.resident_id, read.fields, source="dashboard", raised_by=subject)
    return desk.tell(change).change_id


def changes_router(renderer: Renderer) -> APIRouter:
    router = APIRouter()

    def form_page(request: Request, status_code: int = 200, **extra: Any) -> HTMLResponse:
        database: Database = request.app.state.database
        outbox = OutboxStore(database)
        names = _system_names(request)
        letters = [_view(row, names) for row in outbox.list("dead", limit=20)]
        context: dict[str, Any] = {
            "current": "tell-us-once", "kinds": KINDS, "death_date": DEATH_DATE, "asked": {}, "field_errors": {},
            "configured": True, "dead_letters": letters,
        }  # fmt: skip
        return renderer.page(request, "tell_us_once.html", {**context, **extra}, status_code=status_code)

    @router.get("/tell-us-once", response_class=HTMLResponse, name="tell_us_once")
    def tell_us_once(request: Request, _viewer: Viewer) -> HTMLResponse:
        return form_page(request)

    @router.post("/tell-us-once", name="tell_us_once_raise")
    async def raise_change(request: Request, viewer: Viewer) -> Response:
        desk = _desk(request, viewer.organisation)
        if desk is None:
            return await run_in_threadpool(form_page, request, 503, configured=False)
        form = await request.form()
        asked = {key: value for key, value in form.items() if isinstance(value, str) and key != "csrf_token"}
        read = read_change(asked, datetime.now(UTC).date())
        if not read.errors and read.kind is not None:
            try:
                change_id = await run_in_threadpool(_raise, desk, read, read.kind, viewer.subject)
            except ChangeError:  # the form's checks cover tell us once's own; this is a last line of defence
                read.errors["kind"] = "The change could not be accepted: check each field and try again"
            else:
                target = request.url_for(page_name("change"), change_id=change_id).path
                return RedirectResponse(target, status_code=303)
        return await run_in_threadpool(
            form_page, request, 400, asked=asked, field_errors=read.errors, errors=read.summary
        )

    @router.get("/changes/{change_id}", response_class=HTMLResponse, name="change")
    def change(request: Request, _viewer: Viewer, change_id: _RowId, retried: int | None = None) -> HTMLResponse:
        outbox = OutboxStore(request.app.state.database)
        told = outbox.change(change_id)
        if told is None:
            raise PageNotFound
        names = _system_names(request)
        deliveries = [_view(row, names) for row in outbox.of_change(change_id)]
        kind = next((k for k in KINDS if k.kind.value == told["kind"]), None)
        context = {
            "current": "tell-us-once", "change_id": change_id, "told": told, "kind": kind,
            "field_names": sorted(told["fields"]), "deliveries": deliveries,
            "waiting": any(d.waiting for d in deliveries),
            "retried": next((d for d in deliveries if d.id == retried), None),
        }  # fmt: skip
        return renderer.page(request, "change.html", context)

    @router.post("/changes/{change_id}/deliveries/{delivery_id}/retry", name="retry_delivery")
    def retry(request: Request, _viewer: Viewer, change_id: _RowId, delivery_id: _RowId) -> Response:
        outbox = OutboxStore(request.app.state.database)
        row = outbox.get(delivery_id)
        if row is None or row.change_id != change_id:
            raise PageNotFound
        if row.status != "dead" or not outbox.retry(delivery_id):
            raise PageForbidden("Only a dead letter can be sent again, and this delivery is not one (any more).")
        target = request.url_for(page_name("change"), change_id=change_id).path
        return RedirectResponse(f"{target}?retried={delivery_id}", status_code=303)

    return router


__all__ = ["WAITING", "DeliveryView", "changes_router"]
