"""Governance's check of a valid place file (a :data:`joinedup.place.PlaceCheck`): no agreement in use has
lapsed. It needs a date, so it is not one of the place file's own rules; ``today`` comes from the caller."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from joinedup.governance._policies import in_force
from joinedup.place import Place, PlaceCheck


def check_agreements(today: dt.date) -> PlaceCheck:
    """A place check that refuses agreements whose review date has passed on ``today``."""

    def check(place: Place) -> Iterator[tuple[tuple[str | int, ...], str]]:
        for index, agreement in enumerate(place.agreements):
            if not in_force(agreement, today):
                yield (
                    ("agreements", index, "review_date"),
                    f"agreements[{index}] '{agreement.code}' version {agreement.version} lapsed: its review date "
                    f"{agreement.review_date.isoformat()} has passed (today is {today.isoformat()}); review it "
                    "and set a new review_date.",
                )

    return check
