"""One structured log line per request, and the last line of defence for unexpected errors.

We log the route *template* (``/api/v1/residents/{id}``), never the concrete path or query string, and never a
body: those are where personal data travels. Unexpected exceptions become a plain 500 problem; the log keeps
the exception type and where it was raised, but not its message, which (e.g. a database error quoting the
parameters of a statement) may contain personal data.
"""

from __future__ import annotations

import logging
import time
import traceback
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .problems import problem
from .route_table import route_templates

log = logging.getLogger("joinedup.api.requests")


def _principal_subject(scope: Scope) -> str | None:
    principal = scope.get("state", {}).get("principal")
    subject = getattr(principal, "subject", None)
    return subject if isinstance(subject, str) else None


def _origin(error: BaseException) -> str:
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return "<unknown>"
    last = frames[-1]
    return f"{last.filename}:{last.lineno} in {last.name}"


class RequestLogMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._templates: dict[int, str] | None = None

    def _route_template(self, scope: Scope) -> str:
        route = scope.get("route")
        if route is None:
            return "<unmatched>"
        # Starlette records the route as declared, whose path lacks the prefixes of the routers it was
        # included through; the app's flattened route table knows the full template.
        if self._templates is None and isinstance(scope.get("app"), FastAPI):
            self._templates = route_templates(scope["app"])
        template = (self._templates or {}).get(id(route), getattr(route, "path", None))
        return template if isinstance(template, str) else "<unknown>"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Make sure the state dict exists now, so that what the auth dependency stores in it is visible here.
        scope.setdefault("state", {})
        started = time.perf_counter()
        status: int | None = None

        async def send_and_record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_record)
        except Exception as error:  # noqa: BLE001 - the boundary: turn any failure into a 500 without details
            log.error(
                "unhandled error",
                extra={
                    "route": self._route_template(scope),
                    "error_type": type(error).__name__,
                    "origin": _origin(error),
                },
            )
            if status is None:
                response = problem(500, "Something went wrong on our side; it has been logged.")
                await response(scope, receive, send_and_record)
            # If the response had already started we cannot replace it; returning ends it and the server
            # closes the connection, without printing the exception (and its message) a second time.
        finally:
            self._log(scope, status, started)

    def _log(self, scope: Scope, status: int | None, started: float) -> None:
        fields: dict[str, Any] = {
            "method": scope.get("method"),
            "route": self._route_template(scope),
            "status": status,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            "principal": _principal_subject(scope),
        }
        log.info("request", extra=fields)
