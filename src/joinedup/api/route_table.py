"""Every route the app serves, flattened, and the guard that each one outside the public list authenticates.

FastAPI from 0.16x keeps included routers as nested entries and exposes the flattened view through
``fastapi.routing.iter_route_contexts``; older releases flatten into ``app.routes``. Both views give each entry
a ``path``, ``methods`` and (for API routes) a ``dependant``, which is all we read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import fastapi.routing
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant


@dataclass(frozen=True)
class RouteInfo:
    path: str  # the full template, prefixes included
    methods: frozenset[str]
    dependant: Dependant | None
    route: object  # the route object as declared, which is what Starlette puts in scope["route"]


def iter_routes(app: FastAPI) -> Iterator[RouteInfo]:
    flatten: Callable[[Any], Iterator[Any]] | None = getattr(fastapi.routing, "iter_route_contexts", None)
    entries = flatten(app.routes) if flatten is not None else iter(app.routes)
    for entry in entries:
        path = getattr(entry, "path", None)
        if not isinstance(path, str):
            raise RuntimeError(f"cannot tell the path of route {entry!r}")
        dependant = getattr(entry, "dependant", None)
        methods = getattr(entry, "methods", None) or set()
        original = getattr(entry, "original_route", entry)
        yield RouteInfo(path, frozenset(methods), dependant if isinstance(dependant, Dependant) else None, original)


def route_templates(app: FastAPI) -> dict[int, str]:
    """Full path templates by ``id`` of the declared route object (a router included twice keeps its first)."""
    templates: dict[int, str] = {}
    for route in iter_routes(app):
        templates.setdefault(id(route.route), route.path)
    return templates


def _uses(dependant: Dependant, dependency: Callable[..., Any]) -> bool:
    return any(sub.call is dependency or _uses(sub, dependency) for sub in dependant.dependencies)


def refuse_unauthenticated_routes(app: FastAPI, public: frozenset[str], dependency: Callable[..., Any]) -> None:
    """Raise if any route outside ``public`` does not depend on ``dependency`` (the authentication)."""
    for route in iter_routes(app):
        if route.path in public:
            continue
        if route.dependant is None or not _uses(route.dependant, dependency):
            raise RuntimeError(f"route {route.path} is not authenticated: mount it on the protected /api/v1 router")
