"""Signing in and out: development users (development mode only) and OIDC (when an issuer is configured)."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ...api.auth import DEV_ISSUER, Principal
from ...api.dev_users import DEV_USERS, dev_user
from .._access import MaybeViewer, PageForbidden
from .._oidc import OidcClient, PendingSignIn, SignInFailed
from .._rendering import Renderer, page_name
from .._session import SignedInUser, recall, remember, sign_in, sign_out

log = logging.getLogger(__name__)

_PENDING = "oidc_pending"


def _see_other(request: Request, route: str) -> RedirectResponse:
    return RedirectResponse(request.url_for(page_name(route)).path, status_code=303)


def sign_in_router(renderer: Renderer, *, development: bool, oidc: OidcClient | None) -> APIRouter:
    router = APIRouter()

    def sign_in_page(request: Request, status_code: int = 200, **context: object) -> HTMLResponse:
        users = DEV_USERS if development else ()
        return renderer.page(
            request, "sign_in.html", {"dev_users": users, "oidc": oidc is not None, **context}, status_code
        )

    @router.get("/sign-in", response_class=HTMLResponse, name="sign_in")
    def show(request: Request, viewer: MaybeViewer) -> Response:
        if viewer is not None:
            return _see_other(request, "home")
        return sign_in_page(request)

    if development:

        @router.post("/sign-in/development", response_class=HTMLResponse, name="dev_sign_in")
        def dev_sign_in(request: Request, username: Annotated[str, Form()] = "") -> Response:
            user = dev_user(username)
            if user is None:
                error = {"field": "username", "message": "Select the development user to sign in as"}
                return sign_in_page(request, 400, errors=[error], field_errors={"username": error["message"]})
            principal = Principal(
                kind="staff", subject=user.subject, organisation=user.organisation, roles=user.roles,
                display_name=user.display_name, auth_method="bearer", issuer=DEV_ISSUER,
            )  # fmt: skip
            sign_in(request, SignedInUser.from_principal(principal, "development"))
            log.info("dashboard sign-in", extra={"method": "development", "subject": user.subject})
            return _see_other(request, "home")

    if oidc is not None:
        client = oidc

        @router.post("/sign-in/oidc", name="oidc_sign_in")
        async def oidc_sign_in(request: Request) -> Response:
            pending = PendingSignIn.new()
            try:
                url = await client.authorization_url(pending, str(request.url_for(page_name("oidc_callback"))))
            except SignInFailed as error:
                return sign_in_page(request, 503, problem=str(error))
            remember(request, _PENDING, vars(pending))
            return RedirectResponse(url, status_code=303)

        @router.get("/sign-in/callback", response_class=HTMLResponse, name="oidc_callback")
        async def oidc_callback(
            request: Request, code: str | None = None, state: str | None = None, error: str | None = None
        ) -> Response:
            remembered = recall(request, _PENDING)
            if remembered is None or state is None or remembered.get("state") != state:
                raise PageForbidden("This sign-in was not started from this browser, or it has expired.")
            if error is not None or code is None:
                return sign_in_page(request, 400, problem="The sign-in service did not sign you in.")
            try:
                principal = await client.finish(
                    code, PendingSignIn(**remembered), str(request.url_for(page_name("oidc_callback")))
                )
            except SignInFailed as failure:
                return sign_in_page(request, 400, problem=str(failure))
            sign_in(request, SignedInUser.from_principal(principal, "oidc"))
            log.info("dashboard sign-in", extra={"method": "oidc", "subject": principal.subject})
            return _see_other(request, "home")

    @router.post("/sign-out", name="sign_out")
    def do_sign_out(request: Request) -> Response:
        sign_out(request)
        return _see_other(request, "signed_out")

    @router.get("/signed-out", response_class=HTMLResponse, name="signed_out")
    def signed_out(request: Request) -> HTMLResponse:
        return renderer.page(request, "signed_out.html", {})

    return router
