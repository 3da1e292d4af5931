"""Every error is an RFC 9457 problem document: type, title, status, detail, and nothing the caller sent.

Not echoing input is deliberate: paths, query strings and bodies may hold personal data (an NHS number in a
URL, a name in a body), and error bodies end up in browser consoles, proxies and support tickets.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any, cast

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_MEDIA_TYPE = "application/problem+json"

# Details for statuses the framework raises itself, whose own wording we replace with a fixed sentence.
_STANDARD_DETAILS = {
    404: "There is no resource at this address.",
    405: "This address does not accept that method.",
}


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_MEDIA_TYPE


def problem(
    status: int,
    detail: str,
    *,
    headers: dict[str, str] | None = None,
    extensions: dict[str, Any] | None = None,
) -> ProblemResponse:
    """A problem response. The type is ``about:blank``, so the title is the HTTP status phrase (RFC 9457 4.2.1)."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        **(extensions or {}),
    }
    return ProblemResponse(body, status_code=status, headers=headers)


async def _http_exception(_request: Request, error: Exception) -> ProblemResponse:
    exc = cast(StarletteHTTPException, error)  # registered for this type only
    phrase = HTTPStatus(exc.status_code).phrase
    if exc.status_code in _STANDARD_DETAILS and exc.detail in (phrase, None, ""):
        detail = _STANDARD_DETAILS[exc.status_code]
    elif isinstance(exc.detail, str) and exc.detail:
        detail = exc.detail  # our own code chose these words
    else:
        detail = phrase
    return problem(exc.status_code, detail, headers=dict(exc.headers or {}))


async def _validation_error(_request: Request, error: Exception) -> ProblemResponse:
    exc = cast(RequestValidationError, error)  # registered for this type only
    # Keep where and what kind of error; drop "input" and "ctx", which can repeat the submitted values.
    errors = [
        {"loc": [str(part) for part in item.get("loc", ())], "type": item.get("type"), "msg": item.get("msg")}
        for item in exc.errors()
    ]
    return problem(422, "The request is not valid; see 'errors'.", extensions={"errors": errors})


def install_problem_handlers(app: FastAPI) -> None:
    """Route HTTP and validation errors through :func:`problem`. Unexpected errors: see ``request_log.py``."""
    app.add_exception_handler(StarletteHTTPException, _http_exception)
    app.add_exception_handler(RequestValidationError, _validation_error)
