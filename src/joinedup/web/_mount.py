"""Puts the staff dashboard into the hub's app: session cookies, static assets, pages and their error pages.

The dashboard shares the API's process, database and identity model but not its credentials: staff sign in once
and carry a signed session cookie, and every form carries the session's CSRF token. It is a mount of its own,
outside the API's route table and authentication guard, and has its own guard (``refuse_unguarded_pages``).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from ..settings import Settings
from ._access import PageForbidden, PageNotFound, SignInRequired, check_csrf, refuse_unguarded_pages
from ._oidc import OidcClient
from ._rendering import MOUNT_NAME, Renderer, page_name
from .pages.acting_role import acting_role_router
from .pages.agreements import agreements_router
from .pages.break_glass import break_glass_router
from .pages.break_glass_reviews import break_glass_reviews_router
from .pages.changes import changes_router
from .pages.consents import consents_router
from .pages.disclosure_log import disclosure_log_router
from .pages.home import home_router
from .pages.resident import resident_router
from .pages.review import review_router
from .pages.search import search_router
from .pages.sign_in import sign_in_router
from .pages.sources import sources_router

STATIC_DIRECTORY = Path(__file__).parent / "static"
DASHBOARD_PATH = "/dashboard"
SESSION_COOKIE = "joinedup_session"
_PUBLIC_PAGES = frozenset(
    {"/sign-in", "/sign-in/development", "/sign-in/oidc", "/sign-in/callback", "/sign-out", "/signed-out"}
)
_NOT_FOUND_PATH = "/{path:path}"


def dashboard_url(host: str, port: int) -> str:
    """Where a server started with ``joinedup serve --host HOST --port PORT`` serves the dashboard."""
    return f"http://{host}:{port}{DASHBOARD_PATH}/"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _oidc_client(settings: Settings) -> OidcClient | None:
    if settings.dashboard_oidc_issuer is None or settings.dashboard_oidc_client_id is None:
        return None
    secret = settings.dashboard_oidc_client_secret
    return OidcClient(
        settings.dashboard_oidc_issuer,
        settings.dashboard_oidc_client_id,
        secret.get_secret_value() if secret is not None else None,
    )


def _not_found_router(renderer: Renderer) -> APIRouter:
    router = APIRouter()

    @router.get(_NOT_FOUND_PATH, response_class=HTMLResponse, name="not_found")
    def not_found(request: Request) -> HTMLResponse:
        return renderer.page(request, "not_found.html", {}, status_code=404)

    return router


def _install_error_pages(app: FastAPI, renderer: Renderer) -> None:
    async def sign_in_required(request: Request, _error: Exception) -> Response:
        return RedirectResponse(request.url_for(page_name("sign_in")).path, status_code=303)

    async def forbidden(request: Request, error: Exception) -> Response:
        reason = error.reason if isinstance(error, PageForbidden) else "You cannot use this page."
        return renderer.page(request, "forbidden.html", {"reason": reason}, status_code=403)

    async def not_found(request: Request, _error: Exception) -> Response:
        return renderer.page(request, "not_found.html", {}, status_code=404)

    app.add_exception_handler(SignInRequired, sign_in_required)
    app.add_exception_handler(PageForbidden, forbidden)
    app.add_exception_handler(PageNotFound, not_found)


def dashboard_router(settings: Settings, renderer: Renderer, oidc: OidcClient | None) -> APIRouter:
    """Every page, the static assets, and a 404 page for any other address under the dashboard."""
    development = settings.dev_tokens and settings.environment != "production"
    pages = APIRouter(dependencies=[Depends(check_csrf)], include_in_schema=False)
    pages.include_router(sign_in_router(renderer, development=development, oidc=oidc))
    pages.include_router(home_router(renderer))
    pages.include_router(acting_role_router(renderer))
    pages.include_router(sources_router(renderer))
    pages.include_router(search_router(renderer))
    pages.include_router(resident_router(renderer))
    pages.include_router(review_router(renderer))
    pages.include_router(changes_router(renderer))
    pages.include_router(agreements_router(renderer))  # governance: the register, consents, break-glass, log
    pages.include_router(consents_router(renderer))
    pages.include_router(break_glass_router(renderer))
    pages.include_router(break_glass_reviews_router(renderer))
    pages.include_router(disclosure_log_router(renderer))
    pages.mount("/static", StaticFiles(directory=STATIC_DIRECTORY), name="static")
    pages.include_router(_not_found_router(renderer))  # last: it answers every address nothing else does
    refuse_unguarded_pages(pages, _PUBLIC_PAGES | {_NOT_FOUND_PATH})
    return pages


def mount_dashboard(app: FastAPI, settings: Settings) -> None:
    """Serve the dashboard under ``/dashboard`` in ``app``, with its own session cookie scoped to that path.

    A mount (rather than routes on the app) keeps the dashboard out of the API's route table and its
    authentication guard, and lets routes added to the app later still be reached.
    """
    oidc = _oidc_client(settings)
    # Forms post to our own pages; the OIDC sign-in form's answer redirects on to the identity provider.
    renderer = Renderer(form_targets=(_origin(oidc.issuer),) if oidc is not None else ())
    pages = dashboard_router(settings, renderer, oidc)
    session = Middleware(
        SessionMiddleware,
        secret_key=settings.secret_key.get_secret_value(),
        session_cookie=SESSION_COOKIE,
        max_age=settings.dashboard_session_max_age,
        path=DASHBOARD_PATH,
        same_site="lax",
        https_only=settings.environment != "development",
    )
    # A Mount built by hand, because FastAPI's app.mount() takes no middleware for the mounted app.
    app.router.routes.append(Mount(DASHBOARD_PATH, app=pages, middleware=[session], name=MOUNT_NAME))
    _install_error_pages(app, renderer)
