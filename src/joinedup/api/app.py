"""The app factory. Nothing happens at import: settings come in, the app goes out, the lifespan owns resources.

Everything under /api/v1 is mounted on one router that carries the authentication dependency, and
``refuse_unauthenticated_routes`` stops the app from being built if any route outside the short public list
lacks it, so a new router cannot forget authentication.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager

import httpx
from fastapi import APIRouter, Depends, FastAPI

from .. import __version__
from ..settings import Settings
from ..store import Database
from ..store.api_keys import ApiKeyRepository
from .auth import Authenticator, DevIssuer, KeySource, RemoteKeys, StaticKeys, TokenVerifier, TrustedIssuer
from .auth.dependencies import authenticate
from .auth.dev_issuer import DEV_AUDIENCE, DEV_ISSUER
from .problems import install_problem_handlers
from .request_log import RequestLogMiddleware
from .route_table import refuse_unauthenticated_routes
from .routes.changes import changes_router
from .routes.dev import dev_router
from .routes.disclosures import disclosures_router
from .routes.health import liveness_router, readiness_router
from .routes.meta import meta_router
from .routes.sources import sources_router

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
OPENAPI_URL = f"{API_PREFIX}/openapi.json"
DOCS_URL = f"{API_PREFIX}/docs"
_ALWAYS_PUBLIC = frozenset({"/health/live", OPENAPI_URL, DOCS_URL, f"{DOCS_URL}/oauth2-redirect"})
_DEV_PUBLIC = frozenset({f"{API_PREFIX}/dev/jwks.json", f"{API_PREFIX}/dev/users", f"{API_PREFIX}/dev/token"})
_JWKS_TIMEOUT_SECONDS = 5.0


def dev_tokens_enabled(settings: Settings) -> bool:
    return settings.dev_tokens and settings.environment != "production"


def public_paths(settings: Settings) -> frozenset[str]:
    """The paths that answer without credentials. Everything else must authenticate."""
    return _ALWAYS_PUBLIC | (_DEV_PUBLIC if dev_tokens_enabled(settings) else frozenset())


def _check_issuer_settings(settings: Settings) -> None:
    seen: set[str] = set()
    for configured in settings.oidc_issuers:
        if configured.issuer == DEV_ISSUER:
            raise ValueError(f"OIDC issuer {DEV_ISSUER!r} is reserved for development tokens")
        if configured.issuer in seen:
            raise ValueError(f"OIDC issuer {configured.issuer!r} is configured more than once")
        seen.add(configured.issuer)
        if (configured.jwks_url is None) == (configured.jwks_file is None):
            raise ValueError(f"OIDC issuer {configured.issuer!r} needs exactly one of jwks_url or jwks_file")
        if (
            settings.environment == "production"
            and configured.jwks_url
            and not configured.jwks_url.startswith("https:")
        ):
            raise ValueError(f"OIDC issuer {configured.issuer!r}: jwks_url must use https in production")


def _trusted_issuers(settings: Settings, http: httpx.AsyncClient, dev: DevIssuer | None) -> list[TrustedIssuer]:
    trusted: list[TrustedIssuer] = []
    for configured in settings.oidc_issuers:
        keys: KeySource
        if configured.jwks_file is not None:
            keys = StaticKeys.from_file(configured.jwks_file)
        else:
            keys = RemoteKeys(str(configured.jwks_url), http)
        trusted.append(TrustedIssuer(configured.issuer, configured.audience, keys))
    if dev is not None:
        trusted.append(TrustedIssuer(DEV_ISSUER, DEV_AUDIENCE, dev.key_source()))
    return trusted


def _lifespan(
    settings: Settings, database: Database, owns_database: bool
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            if owns_database:
                stack.callback(database.dispose)
            http = await stack.enter_async_context(
                httpx.AsyncClient(timeout=_JWKS_TIMEOUT_SECONDS, follow_redirects=False)
            )
            tokens = TokenVerifier(_trusted_issuers(settings, http, app.state.dev_issuer))
            app.state.authenticator = Authenticator(ApiKeyRepository(database), tokens)
            dev_tokens = app.state.dev_issuer is not None
            log.info(
                "api started",
                extra={"backend": database.backend, "issuers": len(tokens.issuers), "dev_tokens": dev_tokens},
            )
            yield

    return lifespan


def create_app(settings: Settings, database: Database | None = None) -> FastAPI:
    """Build the API for ``settings``. A database passed in stays the caller's; one made here is closed on exit."""
    _check_issuer_settings(settings)
    owns_database = database is None
    db = database if database is not None else Database(settings.database_url)
    app = FastAPI(
        title="joinedup API",
        version=__version__,
        summary="Information sharing between a place's public services. Every call is authenticated.",
        openapi_url=OPENAPI_URL,
        docs_url=DOCS_URL,
        swagger_ui_oauth2_redirect_url=f"{DOCS_URL}/oauth2-redirect",
        redoc_url=None,
        lifespan=_lifespan(settings, db, owns_database),
    )
    app.state.settings = settings
    app.state.database = db
    app.state.dev_issuer = DevIssuer() if dev_tokens_enabled(settings) else None

    install_problem_handlers(app)
    app.add_middleware(RequestLogMiddleware)

    app.include_router(liveness_router())
    # Everything mounted on `protected` inherits authentication; add new routers here.
    protected = APIRouter(prefix=API_PREFIX, dependencies=[Depends(authenticate)])
    protected.include_router(readiness_router())
    protected.include_router(meta_router())
    protected.include_router(sources_router())
    protected.include_router(changes_router())
    protected.include_router(disclosures_router())
    app.include_router(protected)
    if app.state.dev_issuer is not None:
        app.include_router(dev_router(), prefix=API_PREFIX)

    refuse_unauthenticated_routes(app, public_paths(settings), authenticate)
    # The staff dashboard signs staff in with a session cookie instead, and guards its own pages (web/_access.py).
    from ..web import mount_dashboard  # here, not at the top: the dashboard imports the API's auth package

    mount_dashboard(app, settings)
    return app


def run(settings: Settings, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the API with uvicorn (what ``joinedup serve`` calls). Blocks until stopped."""
    import uvicorn

    from ..logs import configure_logging

    configure_logging(settings.log_level)
    uvicorn.run(
        functools.partial(create_app, settings),
        factory=True,
        host=host,
        port=port,
        log_level=settings.log_level.lower(),
        # uvicorn's access log prints full URLs, query strings included; RequestLogMiddleware logs templates.
        access_log=False,
        server_header=False,
        ws="none",  # no websockets: none are served, and their modules need not load
    )
