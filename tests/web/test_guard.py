"""A dashboard page that forgets the CSRF check or the signed-in user stops the app from being built."""

from __future__ import annotations

import pytest
from fastapi import APIRouter, Depends

from joinedup.web._access import Viewer, check_csrf, refuse_unguarded_pages


def test_a_page_without_a_signed_in_user_is_refused() -> None:
    pages = APIRouter(dependencies=[Depends(check_csrf)])

    @pages.get("/residents")
    def residents() -> str:
        return ""

    with pytest.raises(RuntimeError, match="/residents does not require a signed-in user"):
        refuse_unguarded_pages(pages, frozenset())
    refuse_unguarded_pages(pages, frozenset({"/residents"}))  # unless it is declared public


def test_a_page_without_the_csrf_check_is_refused() -> None:
    pages = APIRouter()

    @pages.post("/link")
    def link(_viewer: Viewer) -> str:
        return ""

    with pytest.raises(RuntimeError, match="/link does not check CSRF tokens"):
        refuse_unguarded_pages(pages, frozenset())


def test_pages_included_under_the_guarded_router_pass() -> None:
    pages = APIRouter(dependencies=[Depends(check_csrf)])
    inner = APIRouter(prefix="/review")

    @inner.post("/{pair}")
    def decide(pair: int, _viewer: Viewer) -> int:
        return pair

    pages.include_router(inner)
    refuse_unguarded_pages(pages, frozenset())
