"""What every dashboard request passes: the CSRF check on forms, and (except on public pages) a signed-in user.

Both are dependencies on the dashboard's routers, and ``refuse_unguarded_pages`` stops the app from being built
if a page route lacks them, so a page added later cannot forget either.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, Any

import fastapi.routing
from fastapi import APIRouter, Depends, Request
from fastapi.dependencies.models import Dependant

from ._session import CSRF_FIELD, SignedInUser, csrf_matches, signed_in_user

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class SignInRequired(Exception):
    """No one is signed in: the handler sends the browser to the sign-in page."""


class PageForbidden(Exception):
    """Shown as the 403 page. ``reason`` is a fixed sentence chosen by our code, never anything the user sent."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PageNotFound(Exception):
    """Shown as the 404 page."""


async def check_csrf(request: Request) -> None:
    """Refuse any form post whose synchronizer token does not match this session's."""
    if request.method in _SAFE_METHODS:
        return
    form = await request.form()  # parsed once: FastAPI's own form fields reuse the cached result
    if not csrf_matches(request, form.get(CSRF_FIELD)):
        raise PageForbidden(
            "The form could not be accepted because it was not sent from this dashboard or has expired. "
            "Go back, reload the page and try again."
        )


async def require_user(request: Request) -> SignedInUser:
    user = signed_in_user(request)
    if user is None:
        raise SignInRequired
    request.state.principal = user  # the request log records the subject (an opaque id), nothing more
    return user


async def optional_user(request: Request) -> SignedInUser | None:
    return signed_in_user(request)


Viewer = Annotated[SignedInUser, Depends(require_user)]
MaybeViewer = Annotated[SignedInUser | None, Depends(optional_user)]


def _uses(dependant: Dependant, dependency: Callable[..., Any]) -> bool:
    return any(sub.call is dependency or _uses(sub, dependency) for sub in dependant.dependencies)


def _routes(router: APIRouter) -> Iterator[tuple[str, Dependant | None]]:
    # FastAPI from 0.16x keeps included routers nested and flattens them on request; older ones flatten at once.
    flatten: Callable[[Any], Iterator[Any]] | None = getattr(fastapi.routing, "iter_route_contexts", None)
    for entry in flatten(router.routes) if flatten is not None else iter(router.routes):
        dependant = getattr(entry, "dependant", None)
        if getattr(entry, "methods", None):  # a route, not a mount (the static files)
            yield str(getattr(entry, "path", "")), dependant if isinstance(dependant, Dependant) else None


def refuse_unguarded_pages(router: APIRouter, public: frozenset[str]) -> None:
    """Raise if a dashboard route lacks the CSRF check, or (outside ``public``) the signed-in user."""
    for path, dependant in _routes(router):
        if dependant is None or not _uses(dependant, check_csrf):
            raise RuntimeError(f"dashboard route {path} does not check CSRF tokens")
        if path not in public and not _uses(dependant, require_user):
            raise RuntimeError(f"dashboard route {path} does not require a signed-in user")
