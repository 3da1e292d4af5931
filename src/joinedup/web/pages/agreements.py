"""The agreement register: every information sharing agreement in the place file, with its terms, whether it is
in force or due for review, and what each version changed from the one before (governance's diff).

It holds no personal data, so any signed-in member of staff may read it. Earlier versions of the agreements are
kept beside the place file in a folder ``agreement-history/``: YAML files with an ``agreements:`` section, as the
place file had it when that version was in force.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from joinedup.governance import AgreementDiff, diff_agreements, in_force
from joinedup.place import Agreement, demo_place_path

from .._access import Viewer
from .._rendering import Renderer
from .resident import gate_of

log = logging.getLogger(__name__)

HISTORY_FOLDER = "agreement-history"
DUE_SOON = dt.timedelta(days=90)  # flagged "due for review" this long before the review date


@dataclass(frozen=True)
class VersionChange:
    """One version of an agreement and what it changed from the version before it (None for the first)."""

    agreement: Agreement
    diff: AgreementDiff | None


@dataclass(frozen=True)
class RegisterEntry:
    agreement: Agreement
    status: str  # "In force", "Due for review" or "Lapsed"
    history: tuple[VersionChange, ...]  # newest first, the current version included


def _version_key(version: str) -> tuple[tuple[int, str], ...]:
    """``1.10`` after ``1.9``: numbers compare as numbers, anything else as text."""
    return tuple((int(part), "") if part.isdigit() else (-1, part) for part in re.split(r"[.\-]", version))


def earlier_versions(place_file: Path) -> dict[str, list[Agreement]]:
    """Earlier versions of agreements from ``agreement-history/*.yaml`` beside the place file, by code.

    A file that cannot be read or an entry that is not a valid agreement is logged and left out: the register
    still shows the agreements in force."""
    found: dict[str, list[Agreement]] = {}
    folder = place_file.parent / HISTORY_FOLDER
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            entries = data.get("agreements", []) if isinstance(data, dict) else []
            for entry in entries:
                agreement = Agreement.model_validate(entry)
                found.setdefault(agreement.code, []).append(agreement)
        except (OSError, yaml.YAMLError, ValidationError, AttributeError) as error:
            log.warning("agreement history file left out", extra={"file": path.name, "error": type(error).__name__})
    return found


def history_of(current: Agreement, earlier: list[Agreement]) -> tuple[VersionChange, ...]:
    """Every version, oldest to newest by version number (the current one last wins a tie), as changes."""
    by_version = {a.version: a for a in earlier if a.version != current.version}
    ordered = [*sorted(by_version.values(), key=lambda a: _version_key(a.version)), current]
    changes = [
        VersionChange(agreement, diff_agreements(ordered[i - 1], agreement) if i else None)
        for i, agreement in enumerate(ordered)
    ]
    return tuple(reversed(changes))


def status_of(agreement: Agreement, today: dt.date) -> str:
    if not in_force(agreement, today):
        return "Lapsed"
    return "Due for review" if agreement.review_date - today <= DUE_SOON else "In force"


def register(agreements: tuple[Agreement, ...], place_file: Path, today: dt.date) -> list[RegisterEntry]:
    earlier = earlier_versions(place_file)
    return [
        RegisterEntry(agreement, status_of(agreement, today), history_of(agreement, earlier.get(agreement.code, [])))
        for agreement in agreements
    ]


def agreements_router(renderer: Renderer) -> APIRouter:
    router = APIRouter()

    @router.get("/agreements", response_class=HTMLResponse, name="agreements")
    def agreements(request: Request, _viewer: Viewer) -> HTMLResponse:
        point = gate_of(request).point
        place_file = request.app.state.settings.place_file or demo_place_path()
        today = point.today
        entries = register(point.place.agreements, Path(place_file), today)
        names = {o.code: o.name for o in point.place.organisations}
        context = {"current": "governance", "entries": entries, "today": today, "names": names}
        return renderer.page(request, "agreements.html", context)

    return router
