"""The review queue: pairs of records the linkage model could not decide, side by side with the evidence, and
"Link" / "Do not link" forms that record the reviewer's decision as `joinedup review link|no-link` does
(``LinkageService.decide``): every later bulk run and real-time match keeps to it.

Seeing both records is a disclosure for record linkage: only people whose organisation and role an agreement
in force lets use the purpose ``record-linkage`` may open the queue; everyone else gets the 403 page with the
reason. Pairs are addressed by the review item's number, which is not personal data.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from joinedup.linkage import Decision, LinkageService
from joinedup.store import Database
from joinedup.store.residents_review import ReviewStore

from .._access import PageForbidden, PageNotFound, Viewer
from .._rendering import Renderer, page_name
from .._session import SignedInUser
from ._review_pairs import PairReader, explainer_of
from .resident import PurposeChoice, gate_of, purposes_for

REVIEW_PURPOSE = "record-linkage"  # the purpose code an agreement must name to let its recipients review pairs
SHOWN_PAIRS = 5  # each pair shown is two audited looks: a page of a few, the most uncertain first
_MAX_REASON = 500
_ItemId = Annotated[int, Path(ge=1, le=2**63 - 1)]
_NO_PURPOSE = (
    "The review queue shows residents' records so that you can say whether two are the same person. "
    "No information sharing agreement in force lets your organisation and role see them for record linkage."
)


def review_purpose(request: Request, viewer: SignedInUser) -> PurposeChoice:
    """The record-linkage purpose as the viewer may use it, or the 403 page saying why not."""
    choice = next((c for c in purposes_for(gate_of(request).point, viewer) if c.code == REVIEW_PURPOSE), None)
    if choice is None:
        raise PageForbidden(_NO_PURPOSE)
    return choice


def review_router(renderer: Renderer) -> APIRouter:
    router = APIRouter()

    def queue_page(request: Request, viewer: SignedInUser, status_code: int = 200, **extra: Any) -> HTMLResponse:
        choice = review_purpose(request, viewer)
        database: Database = request.app.state.database
        reader = PairReader(database, gate_of(request), explainer_of(request.app.state, database))
        pairs = reader.open_pairs(viewer, choice, SHOWN_PAIRS)
        context: dict[str, Any] = {
            "current": "review", "pairs": pairs, "purpose": choice, "open": ReviewStore(database).count("open"),
            "decided": None, "verdict": None, "field_errors": {}, "asked": {},
        }  # fmt: skip
        return renderer.page(request, "review.html", {**context, **extra}, status_code=status_code)

    @router.get("/review", response_class=HTMLResponse, name="review")
    def review(request: Request, viewer: Viewer, decided: int | None = None) -> HTMLResponse:
        queue = LinkageService(request.app.state.database).review
        done = queue.item(decided) if decided is not None and 0 < decided < 2**63 else None
        if done is None or done.status != "decided":
            return queue_page(request, viewer)
        verdict = queue.constraints().decision_on(done.left_record, done.right_record)
        return queue_page(request, viewer, decided=done, verdict=verdict)

    @router.post("/review/{item_id}/decision", name="review_decision")
    def decide(
        request: Request, viewer: Viewer, item_id: _ItemId, decision: Annotated[str, Form()] = "",
        reason: Annotated[str, Form()] = "",
    ) -> Response:  # fmt: skip
        review_purpose(request, viewer)  # deciding needs the same right as seeing the pair
        service = LinkageService(request.app.state.database)
        item = service.review.item(item_id)
        if item is None:
            raise PageNotFound
        field = f"reason-{item_id}"
        chosen = next((d for d in Decision if d.value == decision), None)
        problem = None
        if chosen is None:
            problem = {"field": f"link-{item_id}", "message": "Choose Link or Do not link"}
        elif len(reason) > _MAX_REASON:
            problem = {"field": field, "message": f"The reason must be {_MAX_REASON} characters or fewer"}
        elif item.status != "open":
            problem = {"field": "pairs", "message": "Someone has already decided that pair; it has left the queue"}
        if problem is not None or chosen is None:
            errors = [problem] if problem else []
            field_errors = {problem["field"]: problem["message"]} if problem else {}
            asked = {field: reason}
            return queue_page(request, viewer, 400, errors=errors, field_errors=field_errors, asked=asked)
        # The reviewer is kept as the signed-in person's opaque subject id, as the API's principals are.
        service.decide(item.left_record, item.right_record, chosen, reviewer=viewer.subject, reason=reason.strip())
        target = request.url_for(page_name("review")).path
        return RedirectResponse(f"{target}?decided={item_id}", status_code=303)

    return router
