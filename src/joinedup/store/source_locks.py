"""One writer at a time for each source system's record versions, so that they commit in the order of their ids.

Why: readers that follow a system's versions by id (change detection keeps "the id of the last version examined"
as its cursor) may only pass an id once every lower id of that system that will ever commit has committed. On
PostgreSQL ids come from a sequence, which is not transactional: two concurrent transactions writing versions of
one system (two syncs, or a sync and a quarantine retry) could draw ids 100 and 200 and commit 200 first; a reader
in between would move past 100 and never see it once it committed.

How: every transaction that writes versions of a system takes that system's transaction-scoped advisory lock
before it reads the heads or draws ids, and holds it to commit or rollback. Writers of one system therefore run
one after another, each drawing its ids after the one before has finished, so a committed id of a system is
always higher than every id of that system committed or rolled back before it, and lower than every id drawn
after it. A reader then needs no lock and no horizon: whatever it sees committed is a closed prefix of the
system's versions. (The same lock also makes the heads each writer reads current, so two writers of one record
number their versions 2 and 3 instead of both claiming 2.) Writers of different systems do not wait for each
other.

Chosen over the alternatives because it is the one that is both correct and small: a reader-side horizon
(``pg_snapshot_xmin``) cannot see ids drawn by a transaction that has not written yet, so it would need the
transaction id stored on every version; a detection queue written by each sync would duplicate what
``source_records`` already keeps. It relies on the sequence handing out ids in the order they are asked for,
which PostgreSQL's default (``CACHE 1``) does; a sequence given a larger cache would break that order.

SQLite needs nothing: a transaction takes the database's single write lock at its first write and keeps it to
commit, so its writers are already one at a time.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, text

# The first key of the two-key advisory lock: this lock's own space, so it never meets another use of advisory
# locks in the same database ("jdsr": joinedup source records). The second is the system's code in this schema:
# advisory locks belong to the database, and two places (or two tests) in two schemas of one database have
# nothing to wait for from each other. Two codes that hash alike only wait for each other; they never clash.
_SPACE = int.from_bytes(b"jdsr", "big", signed=True)
_LOCK = text("SELECT pg_advisory_xact_lock(CAST(:space AS integer), hashtext(current_schema() || '/' || :system))")


def hold_systems_in(connection: Connection, systems: Iterable[str]) -> None:
    """Make the caller's transaction the only writer of these systems' versions until it ends.

    Call it before reading heads or drawing ids. Systems are locked in one order (by code), so two transactions
    that each write several systems do not deadlock on them.
    """
    if connection.dialect.name != "postgresql":
        return
    for system in sorted(set(systems)):
        connection.execute(_LOCK, {"space": _SPACE, "system": system})


__all__ = ["hold_systems_in"]
