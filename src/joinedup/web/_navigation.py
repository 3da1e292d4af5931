"""The dashboard's navigation: the pages that exist, and the ones still to come shown as unavailable items.

A page still to come has no ``route``: it is shown as plain text marked "not available yet", never as a link to a
page with made-up content. When it lands, give it the name of its route (and include its router in ``_mount.py``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    route: str | None  # the route's name for ``url_for``; None while the page is not built


NAVIGATION: tuple[NavItem, ...] = (
    NavItem("home", "Home", "home"),
    NavItem("search", "Search residents", "search"),
    NavItem("review", "Review queue", "review"),
    NavItem("tell-us-once", "Tell us once", "tell_us_once"),
    NavItem("governance", "Governance", "agreements"),
    NavItem("sources", "Sources", "sources"),
)


def available() -> tuple[NavItem, ...]:
    return tuple(item for item in NAVIGATION if item.route is not None)
