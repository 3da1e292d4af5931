"""Changes detected in a source of truth: after a sync, new versions of its records become changes of circumstance.

    detector = ChangeDetector(database, place, directory, policy_for)
    report = detector.run()          # every source of truth, from where it last stopped

Pull-based and resumable: per system, a cursor (the id of the last stored version examined) is advanced in the
same transaction as the changes raised from the versions it passes, so a crash keeps both or neither. A detected
change's key is derived from the record, its version and the kind of change, so even a reset cursor never raises
one twice. The change's source is the system it was detected in, which planning never writes back to; its
deliveries go through the same outbox, policy and worker as a change told through the API.

The cursor can never pass a version that commits later: every transaction that writes a system's versions takes
that system's lock first (:mod:`joinedup.store.source_locks`), so on PostgreSQL, where ids come from a sequence
outside any transaction, the versions of one system still commit in the order of their ids, as they do on SQLite
under its single write lock. What a pass sees committed is therefore a closed prefix of the system's versions,
and the detector itself takes no lock (it never holds up a sync).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import Connection

from joinedup.place import Place
from joinedup.store import Database
from joinedup.store.tellusonce_detection import DetectionStore
from joinedup.store.tellusonce_outbox import NewChange, NewDelivery, OutboxStore

from ._desk import ChangeDesk
from ._events import ChangeKind, ChangeOfCircumstance
from ._ports import DeliveryPolicy, RecordDirectory
from ._truth import changes_between, sources_of_truth

log = logging.getLogger(__name__)
DETECTED_BY = "change-detection"


def detected_key(system: str, record_id: str, version: int, kind: ChangeKind) -> str:
    """The change key for what one stored version told: the same inputs always give the same key."""
    digest = hashlib.sha256(f"{system}\x1f{record_id}\x1f{version}\x1f{kind.value}".encode()).hexdigest()
    return f"d{digest[:29]}"


@dataclass
class SystemDetection:
    """What detection did in one system: versions examined, changes raised, and what it could not act on."""

    system: str
    examined: int = 0
    raised: int = 0
    already_raised: int = 0
    not_linked: int = 0
    change_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class DetectionReport:
    systems: tuple[SystemDetection, ...]

    @property
    def raised(self) -> int:
        return sum(each.raised for each in self.systems)


class ChangeDetector:
    """Raises, through the outbox, the changes a source of truth's new record versions tell.

    ``policy_for(organisation)`` gives the delivery policy for changes whose controller is that organisation (the
    source system's own); ``directory`` finds the resident's records in the other systems.
    """

    def __init__(
        self,
        database: Database,
        place: Place,
        directory: RecordDirectory,
        policy_for: Callable[[str], DeliveryPolicy],
        *,
        batch_size: int = 500,
    ) -> None:
        self._store = DetectionStore(database)
        self._outbox = OutboxStore(database)
        self._database = database
        self._place = place
        self._directory = directory
        self._policy_for = policy_for
        self._batch_size = batch_size
        self.truth = sources_of_truth(place)

    def run(self, systems: Iterable[str] | None = None) -> DetectionReport:
        """Detect in ``systems`` (default: every source of truth) until each has no unexamined version left."""
        wanted = self.truth if systems is None else {s: self.truth[s] for s in systems if s in self.truth}
        return DetectionReport(tuple(self._run_system(system, fields) for system, fields in sorted(wanted.items())))

    def _run_system(self, system: str, fields: frozenset[str]) -> SystemDetection:
        declared = self._place.system(system)
        if declared is None:
            raise ValueError(f"survivorship names {system} as a source of truth, but the place declares no such system")
        desk = ChangeDesk(
            self._database, self._place.subscriptions, self._directory, self._policy_for(declared.organisation)
        )
        report = SystemDetection(system)
        while self._one_batch(desk, system, fields, report):
            pass
        counts = {"examined": report.examined, "raised": report.raised, "not_linked": report.not_linked}
        log.info("tellusonce.detection.done", extra={"system": system, **counts})
        return report

    def _one_batch(self, desk: ChangeDesk, system: str, fields: frozenset[str], report: SystemDetection) -> bool:
        with self._database.transaction() as connection:
            after = self._store.cursor_in(connection, system)
            ceiling = self._store.last_pk_in(connection, system, after)  # what this pass may see, fixed up front
            versions = self._store.versions_after_in(connection, system, after, ceiling, self._batch_size)
            full = len(versions) == self._batch_size
            if not versions:
                if ceiling != after:
                    self._store.advance_in(connection, system, ceiling)
                return False
            found = [(version, kind, values) for version in versions
                     for kind, values in changes_between(version.before, version.canonical, fields)]  # fmt: skip
            residents = self._store.residents_of_in(connection, system, {v.record_id for v, _, _ in found})
            keys = {detected_key(system, v.record_id, v.version, kind): (v, kind, values) for v, kind, values in found}
            seen = self._outbox.existing_keys_in(connection, keys)
            raising: list[tuple[NewChange, list[NewDelivery]]] = []
            for key, (version, kind, values) in keys.items():
                resident = residents.get(version.record_id)
                if resident is None:
                    report.not_linked += 1
                elif key in seen:
                    report.already_raised += 1
                else:
                    raising.append(_planned(desk, connection, system, key, resident, kind, values))
            for new, planned in raising:
                report.change_ids.append(self._outbox.add_change_in(connection, new, planned))
            report.raised += len(raising)
            self._store.advance_in(connection, system, versions[-1].pk if full else ceiling)
        report.examined += len(versions)
        return full


def _planned(
    desk: ChangeDesk,
    connection: Connection,
    system: str,
    key: str,
    resident: str,
    kind: ChangeKind,
    values: dict[str, str],
) -> tuple[NewChange, list[NewDelivery]]:
    change = ChangeOfCircumstance(kind, resident, values, source=system, raised_by=DETECTED_BY)
    new = NewChange(kind=kind.value, resident_id=resident, fields=dict(values), source=system,
                    raised_by=DETECTED_BY, raised_at=change.raised_at, key=key)  # fmt: skip
    return new, desk.plan(change, connection)


__all__ = ["DETECTED_BY", "ChangeDetector", "DetectionReport", "SystemDetection", "detected_key"]
